# Four buckets, each with the life cycle its contents need:
#   registry  model versions, the production pointer, specs, smoke-test sets: kept; versioned so an
#             overwritten pointer can be recovered, old versions expire.
#   staging   template files (kept) and the files each job stages under dataflow/ (expire).
#   temp      Dataflow's scratch space: expires after days.
#   archive   the permanent record of events and outcomes that retraining reads: never deleted,
#             moved to colder storage as it ages.

resource "google_storage_bucket" "registry" {
  name                        = "${var.project_id}-${var.name_prefix}-registry"
  location                    = var.region
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy_buckets
  labels                      = merge(local.labels, { purpose = "registry" })

  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      days_since_noncurrent_time = var.registry_noncurrent_retention_days
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.apis]
}

resource "google_storage_bucket" "staging" {
  name                        = "${var.project_id}-${var.name_prefix}-staging"
  location                    = var.region
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy_buckets
  labels                      = merge(local.labels, { purpose = "staging" })

  lifecycle_rule {
    condition {
      age            = var.staging_retention_days
      matches_prefix = ["dataflow/"]
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.apis]
}

resource "google_storage_bucket" "temp" {
  name                        = "${var.project_id}-${var.name_prefix}-temp"
  location                    = var.region
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true
  labels                      = merge(local.labels, { purpose = "temp" })

  lifecycle_rule {
    condition {
      age = var.temp_retention_days
    }
    action {
      type = "Delete"
    }
  }

  lifecycle_rule {
    condition {
      age = 1
    }
    action {
      type = "AbortIncompleteMultipartUpload"
    }
  }

  depends_on = [google_project_service.apis]
}

resource "google_storage_bucket" "archive" {
  name                        = "${var.project_id}-${var.name_prefix}-archive"
  location                    = var.region
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy_buckets
  labels                      = merge(local.labels, { purpose = "archive" })

  lifecycle_rule {
    condition {
      age                   = var.archive_nearline_after_days
      matches_storage_class = ["STANDARD"]
    }
    action {
      type          = "SetStorageClass"
      storage_class = "NEARLINE"
    }
  }

  lifecycle_rule {
    condition {
      age                   = var.archive_coldline_after_days
      matches_storage_class = ["NEARLINE"]
    }
    action {
      type          = "SetStorageClass"
      storage_class = "COLDLINE"
    }
  }

  depends_on = [google_project_service.apis]
}
