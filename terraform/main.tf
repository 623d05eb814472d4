locals {
  apis = [
    "artifactregistry.googleapis.com",
    "compute.googleapis.com",
    "dataflow.googleapis.com",
    "iam.googleapis.com",
    "storage.googleapis.com",
  ]

  labels = merge(var.labels, { app = "freshet" })

  # Images pushed by the walk-through (terraform/README.md): one launcher per template, and the
  # CUDA worker image used only by jobs with GPUs.
  image_repository = "${var.region}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.images.repository_id}"
  launcher_images = {
    train = "${local.image_repository}/freshet-train-launcher:${var.image_tag}"
    serve = "${local.image_repository}/freshet-serve-launcher:${var.image_tag}"
    learn = "${local.image_repository}/freshet-learn-launcher:${var.image_tag}"
  }
  gpu_worker_image = "${local.image_repository}/freshet-worker-gpu:${var.image_tag}"

  subnetwork = var.subnetwork == "" ? null : var.subnetwork
}

resource "google_project_service" "apis" {
  for_each = toset(local.apis)

  service            = each.value
  disable_on_destroy = false
}

resource "google_artifact_registry_repository" "images" {
  repository_id = var.name_prefix
  location      = var.region
  format        = "DOCKER"
  description   = "Freshet flex-template launcher images and the CUDA worker image."
  labels        = local.labels

  cleanup_policies {
    id     = "keep-recent-tags"
    action = "KEEP"
    most_recent_versions {
      keep_count = 10
    }
  }

  cleanup_policies {
    id     = "delete-untagged"
    action = "DELETE"
    condition {
      tag_state  = "UNTAGGED"
      older_than = "2592000s"
    }
  }

  depends_on = [google_project_service.apis]
}
