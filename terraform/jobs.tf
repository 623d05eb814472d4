# The Dataflow jobs, one google_dataflow_flex_template_job per template, named after it
# (.ci/terraform-check.sh pairs them by name with runners/dataflow/<name>/metadata.json and the
# pipeline's options: every parameter passed must be both, and every required one passed).
# Parameters left empty are dropped, so the pipeline's own default applies.

locals {
  registry_path = "gs://${google_storage_bucket.registry.name}/models"
  spec_uri      = "gs://${google_storage_bucket.spec.bucket}/${google_storage_bucket_object.spec.name}"

  train_events   = local.upload_sample ? "gs://${google_storage_bucket.archive.name}/${google_storage_bucket_object.sample_events[0].name}" : var.train_events
  train_outcomes = local.upload_sample && local.sample.outcomes != "" ? "gs://${google_storage_bucket.archive.name}/${google_storage_bucket_object.sample_outcomes[0].name}" : var.train_outcomes

  train_parameters = {
    registry            = local.registry_path
    spec                = local.spec_uri
    domain              = var.domain
    events              = local.train_events
    outcomes            = local.train_outcomes
    epochs              = tostring(var.train_epochs)
    hiddenLayers        = var.train_hidden_layers
    positiveClassWeight = tostring(var.train_positive_class_weight)
    holdoutFraction     = tostring(var.train_holdout_fraction)
    # auto, not gpu: the model records its device, and auto lets serve load it without a GPU.
    device = var.train_gpu == null ? "cpu" : "auto"
  }

  serve_parameters = {
    bootstrapServers = var.kafka_bootstrap_servers
    kafkaProperties  = var.kafka_properties
    registry         = local.registry_path
    spec             = local.spec_uri
    domain           = var.domain
    eventsTopic      = var.kafka_topics.events
    outcomesTopic    = var.kafka_topics.outcomes
    predictionsTopic = var.kafka_topics.predictions
    deadLettersTopic = var.kafka_topics.dead_letters
    modelEventsTopic = var.kafka_topics.model_events
    consumerGroup    = var.kafka_consumer_group
    startOffset      = var.kafka_start_offset
    threshold        = tostring(var.serve_threshold)
    routing          = var.serve_routing
    challengerShare  = var.serve_challenger_share == null ? "" : tostring(var.serve_challenger_share)
  }

  learn_parameters = {
    bootstrapServers    = var.kafka_bootstrap_servers
    kafkaProperties     = var.kafka_properties
    registry            = local.registry_path
    spec                = local.spec_uri
    domain              = var.domain
    predictionsTopic    = var.kafka_topics.predictions
    outcomesTopic       = var.kafka_topics.outcomes
    deadLettersTopic    = var.kafka_topics.dead_letters
    modelEventsTopic    = var.kafka_topics.model_events
    consumerGroup       = var.learn_consumer_group
    startOffset         = var.kafka_start_offset
    microBatchSize      = tostring(var.learn_micro_batch_size)
    maxBatchWaitSeconds = tostring(var.learn_max_batch_wait_seconds)
    gateEvery           = tostring(var.learn_gate_every)
    maxNeRegression     = tostring(var.learn_max_ne_regression)
    maxCalibrationRatio = tostring(var.learn_max_calibration_ratio)
    promote             = tostring(var.learn_promote)
    minOnlineExamples   = tostring(var.learn_min_online_examples)
    onlineAlpha         = tostring(var.learn_online_alpha)
  }

  # Runner v2 is what the tests translate, and what GPUs and custom worker images need.
  experiments = ["use_runner_v2"]
  gpu_families = {
    "nvidia-tesla-t4"   = "n1"
    "nvidia-tesla-p4"   = "n1"
    "nvidia-tesla-p100" = "n1"
    "nvidia-tesla-v100" = "n1"
    "nvidia-l4"         = "g2"
    "nvidia-tesla-a100" = "a2"
    "nvidia-a100-80gb"  = "a2"
    "nvidia-h100-80gb"  = "a3"
  }
  ip_configuration = var.worker_public_ips ? "WORKER_IP_PUBLIC" : "WORKER_IP_PRIVATE"
}

resource "google_dataflow_flex_template_job" "train" {
  provider = google-beta
  count    = var.deploy_train ? 1 : 0

  name                    = "${var.name_prefix}-train"
  region                  = var.region
  container_spec_gcs_path = "gs://${google_storage_bucket.staging.name}/${google_storage_bucket_object.template["train"].name}"
  parameters              = { for k, v in local.train_parameters : k => v if v != "" }

  service_account_email = google_service_account.pipeline["train"].email
  temp_location         = "gs://${google_storage_bucket.temp.name}/dataflow/train"
  staging_location      = "gs://${google_storage_bucket.staging.name}/dataflow/train"
  machine_type          = var.train_machine_type
  max_workers           = var.train_max_workers
  network               = var.network
  subnetwork            = local.subnetwork
  ip_configuration      = local.ip_configuration
  sdk_container_image   = var.train_gpu == null ? null : local.gpu_worker_image
  additional_experiments = concat(
    local.experiments,
    var.train_gpu == null ? [] : ["worker_accelerator=type:${var.train_gpu.type};count:${var.train_gpu.count};install-nvidia-driver"],
  )
  labels    = merge(local.labels, { pipeline = "train" })
  on_delete = "cancel"

  lifecycle {
    precondition {
      condition     = var.train_gpu == null ? true : startswith(var.train_machine_type, "${local.gpu_families[var.train_gpu.type]}-")
      error_message = "train_gpu ${try(var.train_gpu.type, "")} runs on ${try(local.gpu_families[var.train_gpu.type], "")}-* machines: set train_machine_type accordingly."
    }
    precondition {
      condition     = var.domain != "FRAUD" || local.train_outcomes != ""
      error_message = "The FRAUD domain keeps outcomes in their own files: set train_outcomes along with train_events."
    }
  }

  depends_on = [
    google_project_iam_member.worker,
    google_storage_bucket_iam_member.registry,
    google_storage_bucket_iam_member.archive,
    google_storage_bucket_iam_member.temp,
    google_storage_bucket_iam_member.staging,
    google_artifact_registry_repository_iam_member.pull,
  ]
}

resource "google_dataflow_flex_template_job" "serve" {
  provider = google-beta
  count    = var.deploy_serve ? 1 : 0

  name                    = "${var.name_prefix}-serve"
  region                  = var.region
  container_spec_gcs_path = "gs://${google_storage_bucket.staging.name}/${google_storage_bucket_object.template["serve"].name}"
  parameters              = { for k, v in local.serve_parameters : k => v if v != "" }

  service_account_email   = google_service_account.pipeline["serve"].email
  temp_location           = "gs://${google_storage_bucket.temp.name}/dataflow/serve"
  staging_location        = "gs://${google_storage_bucket.staging.name}/dataflow/serve"
  machine_type            = var.serve_machine_type
  num_workers             = var.serve_num_workers
  max_workers             = var.serve_max_workers
  autoscaling_algorithm   = "THROUGHPUT_BASED"
  enable_streaming_engine = true
  network                 = var.network
  subnetwork              = local.subnetwork
  ip_configuration        = local.ip_configuration
  sdk_container_image     = var.serve_gpu == null ? null : local.gpu_worker_image
  additional_experiments = concat(
    local.experiments,
    var.serve_gpu == null ? [] : ["worker_accelerator=type:${var.serve_gpu.type};count:${var.serve_gpu.count};install-nvidia-driver"],
  )
  labels = merge(local.labels, { pipeline = "serve" })
  # Destroying (or replacing) the job drains it: in-flight events are scored, nothing is dropped.
  on_delete = "drain"

  lifecycle {
    precondition {
      condition     = var.serve_gpu == null ? true : startswith(var.serve_machine_type, "${local.gpu_families[var.serve_gpu.type]}-")
      error_message = "serve_gpu ${try(var.serve_gpu.type, "")} runs on ${try(local.gpu_families[var.serve_gpu.type], "")}-* machines: set serve_machine_type accordingly."
    }
    precondition {
      condition     = var.serve_num_workers <= var.serve_max_workers
      error_message = "serve_num_workers must not exceed serve_max_workers."
    }
  }

  depends_on = [
    google_project_iam_member.worker,
    google_storage_bucket_iam_member.registry,
    google_storage_bucket_iam_member.temp,
    google_storage_bucket_iam_member.staging,
    google_artifact_registry_repository_iam_member.pull,
  ]
}

resource "google_dataflow_flex_template_job" "learn" {
  provider = google-beta
  count    = var.deploy_learn ? 1 : 0

  name                    = "${var.name_prefix}-learn"
  region                  = var.region
  container_spec_gcs_path = "gs://${google_storage_bucket.staging.name}/${google_storage_bucket_object.template["learn"].name}"
  parameters              = { for k, v in local.learn_parameters : k => v if v != "" }

  service_account_email = google_service_account.pipeline["learn"].email
  temp_location         = "gs://${google_storage_bucket.temp.name}/dataflow/learn"
  staging_location      = "gs://${google_storage_bucket.staging.name}/dataflow/learn"
  machine_type          = var.learn_machine_type
  # The learner and the promoter each hold one key: one worker trains at a time. More workers only
  # share reading Kafka and joining labels.
  num_workers             = 1
  max_workers             = var.learn_max_workers
  autoscaling_algorithm   = "THROUGHPUT_BASED"
  enable_streaming_engine = true
  network                 = var.network
  subnetwork              = local.subnetwork
  ip_configuration        = local.ip_configuration
  sdk_container_image     = var.learn_gpu == null ? null : local.gpu_worker_image
  additional_experiments = concat(
    local.experiments,
    var.learn_gpu == null ? [] : ["worker_accelerator=type:${var.learn_gpu.type};count:${var.learn_gpu.count};install-nvidia-driver"],
  )
  labels = merge(local.labels, { pipeline = "learn" })
  # Cancelled, not drained: a drain fires every label deadline at once, so predictions whose
  # outcomes are still to come would be learnt (and judged online) as negatives. Cancelling loses
  # only the work since the learner's last registered candidate, which a new job resumes from.
  on_delete = "cancel"

  lifecycle {
    precondition {
      condition     = var.learn_gpu == null ? true : startswith(var.learn_machine_type, "${local.gpu_families[var.learn_gpu.type]}-")
      error_message = "learn_gpu ${try(var.learn_gpu.type, "")} runs on ${try(local.gpu_families[var.learn_gpu.type], "")}-* machines: set learn_machine_type accordingly."
    }
    precondition {
      condition     = var.learn_consumer_group != var.kafka_consumer_group
      error_message = "learn_consumer_group must differ from kafka_consumer_group (serve's): both jobs read the outcomes topic and would share committed offsets."
    }
  }

  depends_on = [
    google_project_iam_member.worker,
    google_storage_bucket_iam_member.registry,
    google_storage_bucket_iam_member.temp,
    google_storage_bucket_iam_member.staging,
    google_artifact_registry_repository_iam_member.pull,
  ]
}
