# ---------------------------------------------------------------------------------------------
# Where
# ---------------------------------------------------------------------------------------------

variable "project_id" {
  description = "Google Cloud project that holds everything: buckets, images, service accounts and the Dataflow jobs."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a project ID (6 to 30 lower-case letters, digits and hyphens, starting with a letter), not a project name or number."
  }
}

variable "region" {
  description = "Region of the buckets, the image repository and the Dataflow jobs (for example europe-west4); pick one with the GPU type you need if you enable GPU workers."
  type        = string
  default     = "europe-west4"

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must be a Google Cloud region such as europe-west4 or us-central1 (not a zone)."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name (buckets are named <project_id>-<name_prefix>-<purpose>, jobs <name_prefix>-<pipeline>)."
  type        = string
  default     = "freshet"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,18}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3 to 20 lower-case letters, digits or hyphens, starting with a letter."
  }
}

variable "labels" {
  description = "Labels added to buckets and Dataflow jobs (cost attribution); app=freshet and pipeline=<name> are always set."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.labels : can(regex("^[a-z][a-z0-9_-]{0,62}$", k)) && can(regex("^[a-z0-9_-]{0,63}$", v))])
    error_message = "Label keys must start with a lower-case letter; keys and values may hold lower-case letters, digits, _ and - (at most 63 characters)."
  }
}

# ---------------------------------------------------------------------------------------------
# Network
# ---------------------------------------------------------------------------------------------

variable "network" {
  description = "VPC network of the Dataflow workers (and of the flex-template launcher VM); it must reach the Kafka brokers."
  type        = string
  default     = "default"

  validation {
    condition     = length(var.network) > 0
    error_message = "network must name a VPC network."
  }
}

variable "subnetwork" {
  description = "Subnetwork of the workers as regions/<region>/subnetworks/<name> (or a full self link); empty uses the network's subnetwork in the region. With private worker IPs it needs Private Google Access."
  type        = string
  default     = ""

  validation {
    condition     = var.subnetwork == "" || can(regex("(^|/)regions/[a-z]+-[a-z]+[0-9]+/subnetworks/[a-z]([-a-z0-9]*[a-z0-9])?$", var.subnetwork))
    error_message = "subnetwork must be empty or regions/<region>/subnetworks/<name> (or a self link ending so)."
  }
}

variable "worker_public_ips" {
  description = "Give workers public IP addresses. Off by default: workers then reach Google APIs through Private Google Access and Kafka over the VPC."
  type        = bool
  default     = false
}

# ---------------------------------------------------------------------------------------------
# Kafka
# ---------------------------------------------------------------------------------------------

variable "kafka_bootstrap_servers" {
  description = "Kafka bootstrap servers, host:port[,host:port...], as the Dataflow workers reach them (internal DNS names or IPs)."
  type        = string

  validation {
    condition     = can(regex("^[^,\\s:]+:[0-9]{1,5}(,[^,\\s:]+:[0-9]{1,5})*$", var.kafka_bootstrap_servers))
    error_message = "kafka_bootstrap_servers must be host:port pairs separated by commas, without spaces, for example kafka-0.internal:9092,kafka-1.internal:9092."
  }
}

variable "kafka_topics" {
  description = "Kafka topics the pipelines talk through: events and outcomes in; predictions, dead letters and model lifecycle events out."
  type = object({
    events       = string
    outcomes     = string
    predictions  = string
    dead_letters = string
    model_events = string
  })
  default = {
    events       = "events"
    outcomes     = "outcomes"
    predictions  = "predictions"
    dead_letters = "dead-letters"
    model_events = "model-events"
  }

  validation {
    condition     = alltrue([for t in values(var.kafka_topics) : can(regex("^[a-zA-Z0-9._-]{1,249}$", t))])
    error_message = "Kafka topic names hold 1 to 249 letters, digits, '.', '_' or '-'."
  }
}

variable "kafka_properties" {
  description = "Kafka client settings for a secured cluster (security.protocol, sasl.mechanism, sasl.jaas.config, ...): a Java properties file in Cloud Storage, gs://bucket/path, read by the serve and learn workers where they make their Kafka clients (docs/kafka.md). Keep it in a bucket only the jobs' service accounts can read; empty: a plaintext cluster."
  type        = string
  default     = ""

  validation {
    condition     = var.kafka_properties == "" || can(regex("^gs://[a-z0-9][-_.a-z0-9]{1,220}[a-z0-9]/.+$", var.kafka_properties))
    error_message = "kafka_properties must be empty or a gs://bucket/path of a properties file."
  }
}

variable "kafka_consumer_group" {
  description = "Kafka consumer group of the serving job; its committed offsets tell a restarted job where to resume."
  type        = string
  default     = "freshet-serve"

  validation {
    condition     = can(regex("^[a-zA-Z0-9._-]{1,255}$", var.kafka_consumer_group))
    error_message = "kafka_consumer_group holds 1 to 255 letters, digits, '.', '_' or '-'."
  }
}

variable "learn_consumer_group" {
  description = "Kafka consumer group of the learning job; it must differ from kafka_consumer_group (serve's), since both jobs read the outcomes topic."
  type        = string
  default     = "freshet-learn"

  validation {
    condition     = can(regex("^[a-zA-Z0-9._-]{1,255}$", var.learn_consumer_group))
    error_message = "learn_consumer_group holds 1 to 255 letters, digits, '.', '_' or '-'."
  }
}

variable "kafka_start_offset" {
  description = "Where serve and learn start on a topic their consumer group has no committed offset for: EARLIEST (replay what is kept) or LATEST."
  type        = string
  default     = "LATEST"

  validation {
    condition     = contains(["EARLIEST", "LATEST"], var.kafka_start_offset)
    error_message = "kafka_start_offset must be EARLIEST or LATEST."
  }
}

# ---------------------------------------------------------------------------------------------
# Features, data and images
# ---------------------------------------------------------------------------------------------

variable "domain" {
  description = "Example domain, which decides how training files are read: FRAUD (JSON lines of payments and chargebacks) or FLIGHTS (one Parquet file of flights)."
  type        = string
  default     = "FRAUD"

  validation {
    condition     = contains(["FRAUD", "FLIGHTS"], var.domain)
    error_message = "domain must be FRAUD or FLIGHTS."
  }
}

variable "feature_spec_file" {
  description = "Local feature spec (YAML or JSON) uploaded to the registry bucket and used by every job; empty uses the domain's spec in testdata/."
  type        = string
  default     = ""

  validation {
    condition     = var.feature_spec_file == "" || can(regex("\\.(ya?ml|json)$", var.feature_spec_file))
    error_message = "feature_spec_file must be a .yaml, .yml or .json file."
  }
}

variable "upload_sample_data" {
  description = "Upload the domain's committed sample (testdata/) to the archive bucket, so that train has data in a new project; train_events overrides it."
  type        = bool
  default     = true
}

variable "train_events" {
  description = "Events the train job reads: a gs:// file pattern of JSON lines or Parquet (for example the archive's files); empty uses the uploaded sample."
  type        = string
  default     = ""

  validation {
    condition     = var.train_events == "" || can(regex("^gs://[a-z0-9][-_.a-z0-9]{1,220}[a-z0-9]/.+$", var.train_events))
    error_message = "train_events must be a gs://bucket/path file pattern."
  }
}

variable "train_outcomes" {
  description = "Outcomes (labels) the train job reads, a gs:// file pattern; empty uses the uploaded sample (FRAUD) or nothing (FLIGHTS, whose file holds both)."
  type        = string
  default     = ""

  validation {
    condition     = var.train_outcomes == "" || can(regex("^gs://[a-z0-9][-_.a-z0-9]{1,220}[a-z0-9]/.+$", var.train_outcomes))
    error_message = "train_outcomes must be a gs://bucket/path file pattern."
  }
}

variable "image_tag" {
  description = "Tag of the images pushed to the repository this configuration creates (launcher images and, with GPUs, the CUDA worker image); a new tag gives new template files."
  type        = string
  default     = "0.1.0"

  validation {
    condition     = can(regex("^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$", var.image_tag))
    error_message = "image_tag must be a Docker tag: letters, digits, '_', '.', '-', at most 128 characters."
  }
}

# ---------------------------------------------------------------------------------------------
# Jobs
# ---------------------------------------------------------------------------------------------

variable "deploy_train" {
  description = "Launch the train job (batch: features, labels, fit, register, promote). Terraform launches it once; after it finishes, a later apply launches it again."
  type        = bool
  default     = false
}

variable "deploy_serve" {
  description = "Run the serve job (streaming). Its launch fails until the registry has a production model: deploy train first."
  type        = bool
  default     = false
}

variable "deploy_learn" {
  description = "Run the learn job (streaming continual learning): it learns from the predictions serve logs and their outcomes, registers candidates that pass the offline gate and, with learn_promote, promotes and rolls back. Its launch fails until the registry has a production model and its smoke-test set: deploy train first."
  type        = bool
  default     = false
}

variable "train_machine_type" {
  description = "Machine type of the train workers; the model is fitted on one of them, with every example in memory."
  type        = string
  default     = "n1-highmem-4"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]*-[a-z0-9-]+$", var.train_machine_type))
    error_message = "train_machine_type must be a Compute Engine machine type such as n1-highmem-4."
  }
}

variable "train_max_workers" {
  description = "Most workers the train job scales to while it computes features."
  type        = number
  default     = 10

  validation {
    condition     = var.train_max_workers >= 1 && var.train_max_workers <= 1000 && floor(var.train_max_workers) == var.train_max_workers
    error_message = "train_max_workers must be a whole number from 1 to 1000."
  }
}

variable "train_gpu" {
  description = "GPU per train worker, for the fit: {type = \"nvidia-tesla-t4\", count = 1}; null trains on the CPU. Needs the CUDA worker image (runners/dataflow/Dockerfile.gpu) pushed with image_tag."
  type = object({
    type  = string
    count = number
  })
  default = null

  validation {
    condition = var.train_gpu == null ? true : (
      contains(["nvidia-tesla-t4", "nvidia-tesla-p4", "nvidia-tesla-p100", "nvidia-tesla-v100", "nvidia-l4", "nvidia-tesla-a100", "nvidia-a100-80gb", "nvidia-h100-80gb"], var.train_gpu.type)
      && contains([1, 2, 4, 8], var.train_gpu.count)
    )
    error_message = "train_gpu.type must be a Dataflow GPU type (nvidia-tesla-t4, nvidia-tesla-p4, nvidia-tesla-p100, nvidia-tesla-v100, nvidia-l4, nvidia-tesla-a100, nvidia-a100-80gb, nvidia-h100-80gb) and count 1, 2, 4 or 8."
  }
}

variable "train_epochs" {
  description = "Training epochs over the training part."
  type        = number
  default     = 8

  validation {
    condition     = var.train_epochs >= 1 && floor(var.train_epochs) == var.train_epochs
    error_message = "train_epochs must be a whole number of at least 1."
  }
}

variable "train_hidden_layers" {
  description = "Hidden layer sizes of the MLP, comma separated (for example 64,32)."
  type        = string
  default     = "64,32"

  validation {
    condition     = can(regex("^[1-9][0-9]{0,5}(,[1-9][0-9]{0,5})*$", var.train_hidden_layers))
    error_message = "train_hidden_layers must be positive integers separated by commas, without spaces."
  }
}

variable "train_positive_class_weight" {
  description = "Weight of positive examples in the loss (raise it for rare positives such as fraud)."
  type        = number
  default     = 5

  validation {
    condition     = var.train_positive_class_weight > 0
    error_message = "train_positive_class_weight must be positive."
  }
}

variable "train_holdout_fraction" {
  description = "Share of the examples, the latest in event time, held out for evaluation and the smoke-test set."
  type        = number
  default     = 0.2

  validation {
    condition     = var.train_holdout_fraction > 0 && var.train_holdout_fraction < 1
    error_message = "train_holdout_fraction must be between 0 and 1, exclusive."
  }
}

variable "serve_machine_type" {
  description = "Machine type of the serve workers."
  type        = string
  default     = "n2-standard-4"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]*-[a-z0-9-]+$", var.serve_machine_type))
    error_message = "serve_machine_type must be a Compute Engine machine type such as n2-standard-4."
  }
}

variable "serve_num_workers" {
  description = "Workers the serve job starts with."
  type        = number
  default     = 1

  validation {
    condition     = var.serve_num_workers >= 1 && floor(var.serve_num_workers) == var.serve_num_workers
    error_message = "serve_num_workers must be a whole number of at least 1."
  }
}

variable "serve_max_workers" {
  description = "Most workers the serve job scales to (Streaming Engine autoscaling on throughput)."
  type        = number
  default     = 5

  validation {
    condition     = var.serve_max_workers >= 1 && var.serve_max_workers <= 1000 && floor(var.serve_max_workers) == var.serve_max_workers
    error_message = "serve_max_workers must be a whole number from 1 to 1000."
  }
}

variable "serve_gpu" {
  description = "GPU per serve worker: {type = \"nvidia-l4\", count = 1}; null scores on the CPU. A model trained with device gpu needs it; auto (what this configuration trains with on GPUs) does not."
  type = object({
    type  = string
    count = number
  })
  default = null

  validation {
    condition = var.serve_gpu == null ? true : (
      contains(["nvidia-tesla-t4", "nvidia-tesla-p4", "nvidia-tesla-p100", "nvidia-tesla-v100", "nvidia-l4", "nvidia-tesla-a100", "nvidia-a100-80gb", "nvidia-h100-80gb"], var.serve_gpu.type)
      && contains([1, 2, 4, 8], var.serve_gpu.count)
    )
    error_message = "serve_gpu.type must be a Dataflow GPU type (nvidia-tesla-t4, nvidia-tesla-p4, nvidia-tesla-p100, nvidia-tesla-v100, nvidia-l4, nvidia-tesla-a100, nvidia-a100-80gb, nvidia-h100-80gb) and count 1, 2, 4 or 8."
  }
}

variable "serve_threshold" {
  description = "Score at or above which a prediction's decision is positive."
  type        = number
  default     = 0.5

  validation {
    condition     = var.serve_threshold >= 0 && var.serve_threshold <= 1
    error_message = "serve_threshold must be between 0 and 1."
  }
}

variable "serve_routing" {
  description = "How serve shares traffic between production and the challenger (the registry's newest candidate): PRODUCTION (no challenger), SHADOW (both score, production decides), AB, CANARY or BANDIT. The learn job's online gate (learn_promote) needs anything but PRODUCTION: only then do predictions carry the challenger's scores."
  type        = string
  default     = "PRODUCTION"

  validation {
    condition     = contains(["PRODUCTION", "SHADOW", "AB", "CANARY", "BANDIT"], var.serve_routing)
    error_message = "serve_routing must be PRODUCTION, SHADOW, AB, CANARY or BANDIT."
  }
}

variable "serve_challenger_share" {
  description = "Share of entities the challenger decides for under AB and CANARY routing (0..1); null keeps the pipeline's default (0.5 for AB, 0.05 for CANARY)."
  type        = number
  default     = null

  validation {
    condition     = var.serve_challenger_share == null ? true : (var.serve_challenger_share >= 0 && var.serve_challenger_share <= 1)
    error_message = "serve_challenger_share must be null or between 0 and 1."
  }
}

variable "learn_machine_type" {
  description = "Machine type of the learn workers; one of them holds the learner (a copy of the production model, updated on each micro-batch) and the online promoter."
  type        = string
  default     = "n2-standard-4"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]*-[a-z0-9-]+$", var.learn_machine_type))
    error_message = "learn_machine_type must be a Compute Engine machine type such as n2-standard-4."
  }
}

variable "learn_max_workers" {
  description = "Most workers the learn job scales to (Streaming Engine autoscaling on throughput). The learner and the promoter each run on one worker at a time; more workers share reading Kafka and joining labels."
  type        = number
  default     = 3

  validation {
    condition     = var.learn_max_workers >= 1 && var.learn_max_workers <= 1000 && floor(var.learn_max_workers) == var.learn_max_workers
    error_message = "learn_max_workers must be a whole number from 1 to 1000."
  }
}

variable "learn_gpu" {
  description = "GPU per learn worker, for the warm-start updates: {type = \"nvidia-l4\", count = 1}; null learns on the CPU. The copy trains where the model's recorded device resolves (auto: the GPU when there is one). Needs the CUDA worker image (runners/dataflow/Dockerfile.gpu) pushed with image_tag."
  type = object({
    type  = string
    count = number
  })
  default = null

  validation {
    condition = var.learn_gpu == null ? true : (
      contains(["nvidia-tesla-t4", "nvidia-tesla-p4", "nvidia-tesla-p100", "nvidia-tesla-v100", "nvidia-l4", "nvidia-tesla-a100", "nvidia-a100-80gb", "nvidia-h100-80gb"], var.learn_gpu.type)
      && contains([1, 2, 4, 8], var.learn_gpu.count)
    )
    error_message = "learn_gpu.type must be a Dataflow GPU type (nvidia-tesla-t4, nvidia-tesla-p4, nvidia-tesla-p100, nvidia-tesla-v100, nvidia-l4, nvidia-tesla-a100, nvidia-a100-80gb, nvidia-h100-80gb) and count 1, 2, 4 or 8."
  }
}

variable "learn_micro_batch_size" {
  description = "Labelled examples per warm-start update of the learner's copy of the model."
  type        = number
  default     = 500

  validation {
    condition     = var.learn_micro_batch_size >= 1 && var.learn_micro_batch_size <= 1000000 && floor(var.learn_micro_batch_size) == var.learn_micro_batch_size
    error_message = "learn_micro_batch_size must be a whole number from 1 to 1000000."
  }
}

variable "learn_max_batch_wait_seconds" {
  description = "Seconds a partial micro-batch may wait for more examples (processing time) before it is trained on anyway; also how long the online promoter's batches wait."
  type        = number
  default     = 30

  validation {
    condition     = var.learn_max_batch_wait_seconds >= 1 && floor(var.learn_max_batch_wait_seconds) == var.learn_max_batch_wait_seconds
    error_message = "learn_max_batch_wait_seconds must be a whole number of at least 1."
  }
}

variable "learn_gate_every" {
  description = "Micro-batches between offline gates: the copy is judged on the smoke-test set and registered as a candidate if it passes."
  type        = number
  default     = 2

  validation {
    condition     = var.learn_gate_every >= 1 && floor(var.learn_gate_every) == var.learn_gate_every
    error_message = "learn_gate_every must be a whole number of at least 1."
  }
}

variable "learn_max_ne_regression" {
  description = "Offline gate: how much worse (a fraction: 0.05 = 5%) than production's the candidate's normalised entropy on the smoke-test set may be."
  type        = number
  default     = 0.05

  validation {
    condition     = var.learn_max_ne_regression >= 0
    error_message = "learn_max_ne_regression must be zero or positive."
  }
}

variable "learn_max_calibration_ratio" {
  description = "Offline gate: the candidate's calibration on the smoke-test set (mean prediction / positive rate) must lie in [1/x, x]."
  type        = number
  default     = 2

  validation {
    condition     = var.learn_max_calibration_ratio > 1
    error_message = "learn_max_calibration_ratio must be greater than 1."
  }
}

variable "learn_promote" {
  description = "Run the online gate in the learn job: compare the challenger with production on labelled predictions, then promote, reject or roll back (it moves the registry's production pointer). Needs serve_routing other than PRODUCTION; false only registers candidates."
  type        = bool
  default     = true
}

variable "learn_min_online_examples" {
  description = "Online gate: labelled predictions each arm needs at the first look (the k-th look needs 2^k times as many)."
  type        = number
  default     = 500

  validation {
    condition     = var.learn_min_online_examples >= 30 && floor(var.learn_min_online_examples) == var.learn_min_online_examples
    error_message = "learn_min_online_examples must be a whole number of at least 30 (the test's normal approximation)."
  }
}

variable "learn_online_alpha" {
  description = "Online gate: chance of promoting a challenger no better than production, over all looks (one-sided)."
  type        = number
  default     = 0.05

  validation {
    condition     = var.learn_online_alpha > 0 && var.learn_online_alpha < 0.5
    error_message = "learn_online_alpha must be between 0 and 0.5, exclusive."
  }
}

# ---------------------------------------------------------------------------------------------
# Storage and access
# ---------------------------------------------------------------------------------------------

variable "temp_retention_days" {
  description = "Days Dataflow's temporary files are kept in the temp bucket."
  type        = number
  default     = 7

  validation {
    condition     = var.temp_retention_days >= 1
    error_message = "temp_retention_days must be at least 1."
  }
}

variable "staging_retention_days" {
  description = "Days staged job files (the bundled jar, the pipeline) are kept under dataflow/ in the staging bucket; template files are kept."
  type        = number
  default     = 30

  validation {
    condition     = var.staging_retention_days >= 1
    error_message = "staging_retention_days must be at least 1."
  }
}

variable "registry_noncurrent_retention_days" {
  description = "Days an overwritten or deleted registry object (an old production pointer) is kept as a noncurrent version."
  type        = number
  default     = 90

  validation {
    condition     = var.registry_noncurrent_retention_days >= 1
    error_message = "registry_noncurrent_retention_days must be at least 1."
  }
}

variable "archive_nearline_after_days" {
  description = "Days after which archived events move to Nearline storage (cheaper, read rarely: by retraining)."
  type        = number
  default     = 30

  validation {
    condition     = var.archive_nearline_after_days >= 1
    error_message = "archive_nearline_after_days must be at least 1."
  }
}

variable "archive_coldline_after_days" {
  description = "Days after which archived events move to Coldline storage; they are never deleted (the archive is the permanent record)."
  type        = number
  default     = 180

  validation {
    condition     = var.archive_coldline_after_days >= 1
    error_message = "archive_coldline_after_days must be at least 1."
  }
}

variable "force_destroy_buckets" {
  description = "Let terraform destroy delete buckets that still hold objects (models, archive). Keep false outside experiments."
  type        = bool
  default     = false
}

variable "deployers" {
  description = "Members (user:, group:, serviceAccount:) allowed to launch jobs as the pipelines' service accounts, besides whoever runs Terraform."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for m in var.deployers : can(regex("^(user|group|serviceAccount):.+@.+$", m))])
    error_message = "deployers must be IAM members such as user:ana@example.com or group:ml-platform@example.com."
  }
}
