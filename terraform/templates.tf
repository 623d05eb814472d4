# The flex-template files Dataflow launches from, the feature spec, and the sample data.
#
# A template file is what `gcloud dataflow flex-template build` writes: the launcher image, the
# SDK language and the template's metadata. Writing it here from runners/dataflow/<name>/metadata.json
# keeps one source for the parameters that .ci/terraform-check.sh checks against the pipelines.

locals {
  templates = {
    train = "${path.module}/../runners/dataflow/train/metadata.json"
    serve = "${path.module}/../runners/dataflow/serve/metadata.json"
    learn = "${path.module}/../runners/dataflow/learn/metadata.json"
  }

  spec_file = var.feature_spec_file != "" ? var.feature_spec_file : "${path.module}/../testdata/${lower(var.domain)}/${lower(var.domain)}.yaml"

  # The committed samples of testdata/, per domain (see testdata/README.md for their provenance).
  samples = {
    FRAUD = {
      events   = "${path.module}/../testdata/fraud/sample/events.jsonl"
      outcomes = "${path.module}/../testdata/fraud/sample/outcomes.jsonl"
    }
    FLIGHTS = {
      events   = "${path.module}/../testdata/flights/flights-2001-01-01_07.parquet"
      outcomes = ""
    }
  }
  sample        = local.samples[var.domain]
  upload_sample = var.upload_sample_data && var.train_events == ""
}

resource "google_storage_bucket_object" "template" {
  for_each = local.templates

  bucket       = google_storage_bucket.staging.name
  name         = "templates/${each.key}-${var.image_tag}.json"
  content_type = "application/json"
  content = jsonencode({
    image    = local.launcher_images[each.key]
    sdkInfo  = { language = "JAVA" }
    metadata = jsondecode(file(each.value))
  })
}

resource "google_storage_bucket_object" "spec" {
  bucket = google_storage_bucket.registry.name
  name   = "specs/${basename(local.spec_file)}"
  source = local.spec_file
}

resource "google_storage_bucket_object" "sample_events" {
  count = local.upload_sample ? 1 : 0

  bucket = google_storage_bucket.archive.name
  name   = "samples/${lower(var.domain)}/${basename(local.sample.events)}"
  source = local.sample.events
}

resource "google_storage_bucket_object" "sample_outcomes" {
  count = local.upload_sample && local.sample.outcomes != "" ? 1 : 0

  bucket = google_storage_bucket.archive.name
  name   = "samples/${lower(var.domain)}/${basename(local.sample.outcomes)}"
  source = local.sample.outcomes
}
