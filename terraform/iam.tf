# One service account per pipeline, each with only what its job does:
#   train  reads the archive, writes model versions and the production pointer to the registry.
#   serve  reads the registry (models, spec, the bandit's posteriors); writes nothing there.
#   learn  reads the registry and writes it: candidate versions, rejections, the production pointer
#          (the online gate promotes and rolls back) and the bandit's posteriors; no archive.
# All run Dataflow workers and the flex-template launcher VM: the Dataflow worker role, logs and
# metrics, their own scratch space in temp and staging, and pulling images from the repository.

locals {
  pipelines = {
    train = {
      description   = "Freshet train: reads the archive, registers and promotes models."
      registry_role = "roles/storage.objectAdmin"
      reads_archive = true
    }
    serve = {
      description   = "Freshet serve: scores with the registry's production model."
      registry_role = "roles/storage.objectViewer"
      reads_archive = false
    }
    learn = {
      description   = "Freshet learn: registers candidates learnt from labelled predictions, promotes and rolls back."
      registry_role = "roles/storage.objectAdmin"
      reads_archive = false
    }
  }

  worker_project_roles = [
    "roles/dataflow.worker",
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
  ]
}

resource "google_service_account" "pipeline" {
  for_each = local.pipelines

  account_id   = "${var.name_prefix}-${each.key}"
  display_name = "Freshet ${each.key}"
  description  = each.value.description

  depends_on = [google_project_service.apis]
}

resource "google_project_iam_member" "worker" {
  for_each = {
    for pair in setproduct(keys(local.pipelines), local.worker_project_roles) :
    "${pair[0]}/${pair[1]}" => { pipeline = pair[0], role = pair[1] }
  }

  project = var.project_id
  role    = each.value.role
  member  = "serviceAccount:${google_service_account.pipeline[each.value.pipeline].email}"
}

resource "google_storage_bucket_iam_member" "registry" {
  for_each = local.pipelines

  bucket = google_storage_bucket.registry.name
  role   = each.value.registry_role
  member = "serviceAccount:${google_service_account.pipeline[each.key].email}"
}

resource "google_storage_bucket_iam_member" "archive" {
  for_each = { for name, p in local.pipelines : name => p if p.reads_archive }

  bucket = google_storage_bucket.archive.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.pipeline[each.key].email}"
}

resource "google_storage_bucket_iam_member" "temp" {
  for_each = local.pipelines

  bucket = google_storage_bucket.temp.name
  role   = "roles/storage.objectAdmin"
  member = "serviceAccount:${google_service_account.pipeline[each.key].email}"
}

resource "google_storage_bucket_iam_member" "staging" {
  for_each = local.pipelines

  bucket = google_storage_bucket.staging.name
  role   = "roles/storage.objectAdmin"
  member = "serviceAccount:${google_service_account.pipeline[each.key].email}"
}

resource "google_artifact_registry_repository_iam_member" "pull" {
  for_each = local.pipelines

  location   = google_artifact_registry_repository.images.location
  repository = google_artifact_registry_repository.images.name
  role       = "roles/artifactregistry.reader"
  member     = "serviceAccount:${google_service_account.pipeline[each.key].email}"
}

resource "google_service_account_iam_member" "deployers" {
  for_each = {
    for pair in setproduct(keys(local.pipelines), var.deployers) :
    "${pair[0]}/${pair[1]}" => { pipeline = pair[0], member = pair[1] }
  }

  service_account_id = google_service_account.pipeline[each.value.pipeline].name
  role               = "roles/iam.serviceAccountUser"
  member             = each.value.member
}
