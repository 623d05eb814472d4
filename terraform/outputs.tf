output "buckets" {
  description = "The buckets: registry (models, specs), staging (templates, staged files), temp, archive (events and outcomes)."
  value = {
    registry = google_storage_bucket.registry.name
    staging  = google_storage_bucket.staging.name
    temp     = google_storage_bucket.temp.name
    archive  = google_storage_bucket.archive.name
  }
}

output "registry" {
  description = "The model registry the jobs use: pass it as --registry to freshet models list|describe|promote|rollback."
  value       = local.registry_path
}

output "spec" {
  description = "The feature spec the jobs use."
  value       = local.spec_uri
}

output "service_accounts" {
  description = "Service account of each pipeline's workers and launcher."
  value       = { for name, sa in google_service_account.pipeline : name => sa.email }
}

output "images" {
  description = "Image names to build and push (see terraform/README.md): a launcher per template and the CUDA worker image."
  value = merge(
    { for name, image in local.launcher_images : "${name}_launcher" => image },
    { gpu_worker = local.gpu_worker_image },
  )
}

output "templates" {
  description = "Flex-template files, for gcloud dataflow flex-template run outside Terraform."
  value       = { for name, t in google_storage_bucket_object.template : name => "gs://${t.bucket}/${t.name}" }
}

output "jobs" {
  description = "The Dataflow jobs Terraform started: id, state and console address."
  value = {
    for name, job in {
      train = one(google_dataflow_flex_template_job.train[*])
      serve = one(google_dataflow_flex_template_job.serve[*])
      learn = one(google_dataflow_flex_template_job.learn[*])
    } : name => {
      id      = job.job_id
      state   = job.state
      console = "https://console.cloud.google.com/dataflow/jobs/${var.region}/${job.job_id}?project=${var.project_id}"
    } if job != null
  }
}
