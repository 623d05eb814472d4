#!/usr/bin/env bash
# Checks terraform/ without a cloud or a terraform binary:
#   1. syntax: every .tf file parses with @cdktf/hcl2json (HashiCorp's HCL parser; not a full
#      `terraform validate`, which needs provider schemas);
#   2. consistency: every parameter a flex-template job passes is an option of its pipeline and a
#      parameter of runners/dataflow/<template>/metadata.json, every required one is passed, and
#      each metadata.json agrees with its pipeline (dev.freshet.runners.terraform.TerraformCheck).
#
#   .ci/terraform-check.sh               check terraform/
#   .ci/terraform-check.sh --self-test   check terraform/, then prove that planted errors fail
#
# Needs node + npm (installs @cdktf/hcl2json into target/ci-tools), Java 17 and Maven.
# Extra Maven flags (for example -o) go in MVN_FLAGS.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
HCL2JSON_VERSION=0.21.0
tools="$root/target/ci-tools"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

install_hcl2json() {
  local installed="$tools/node_modules/@cdktf/hcl2json/package.json"
  if [ ! -f "$installed" ] || ! grep -q "\"version\": \"$HCL2JSON_VERSION\"" "$installed"; then
    mkdir -p "$tools"
    npm install --prefix "$tools" --no-save --no-audit --no-fund --loglevel=error \
      "@cdktf/hcl2json@$HCL2JSON_VERSION" >&2
  fi
}

# The checker's classes and class path, rebuilt when a source it depends on changed.
build_checker() {
  local stamp=runners/target/classpath.txt
  if [ ! -f "$stamp" ] || [ ! -f runners/target/classes/dev/freshet/runners/terraform/TerraformCheck.class ] \
    || [ -n "$(find pom.xml */pom.xml */*/pom.xml transforms/src/main model/src/main pipelines/*/src/main runners/src/main \
      -newer "$stamp" -print -quit 2>/dev/null)" ]; then
    echo "building the consistency check..." >&2
    mvn ${MVN_FLAGS:-} -q -B install -DskipTests -Dspotless.check.skip=true -pl runners -am >&2
    mvn ${MVN_FLAGS:-} -q -B -pl runners dependency:build-classpath -Dmdep.outputFile=target/classpath.txt >&2
  fi
}

# check <terraform folder>: syntax, then consistency; the exit status says whether both passed.
check() {
  local json="$work/terraform-$RANDOM.json"
  NODE_PATH="$tools/node_modules" node "$root/.ci/hcl2json.js" "$1" >"$json" || return 1
  java -cp "runners/target/classes:$(cat runners/target/classpath.txt)" \
    dev.freshet.runners.terraform.TerraformCheck "$json" "$root/runners/dataflow"
}

# expect_failure <name> <message> <edit...>: a copy of terraform/ with the edit must fail, saying message.
expect_failure() {
  local name="$1" message="$2"
  shift 2
  local copy="$work/$name"
  cp -r "$root/terraform" "$copy"
  rm -rf "$copy/.terraform"
  (cd "$copy" && "$@")
  local log="$work/$name.log"
  if check "$copy" >"$log" 2>&1; then
    echo "self-test FAILED: planted $name passed the check" >&2
    return 1
  fi
  if ! grep -qF -- "$message" "$log"; then
    echo "self-test FAILED: planted $name failed without saying '$message':" >&2
    cat "$log" >&2
    return 1
  fi
  echo "self-test: planted $name fails: $(grep -F -- "$message" "$log" | head -1)"
}

install_hcl2json
build_checker
check "$root/terraform"

if [ "${1:-}" = "--self-test" ]; then
  # Each edit is confined to one job's parameters (sed address ranges), since serve's, train's and
  # learn's locals share some lines.
  train='/^  train_parameters = {$/,/^  }$/'
  serve='/^  serve_parameters = {$/,/^  }$/'
  learn='/^  learn_parameters = {$/,/^  }$/'
  expect_failure syntax-error "jobs.tf:" \
    sed -i 's/^  parameters              = { for k, v in local.serve_parameters : k => v if v != "" }$/  parameters = { for k, v in local.serve_parameters : k => v if v != "" /' jobs.tf
  expect_failure unknown-parameter "parameter 'bootstrapServer' is not an option of ServeOptions" \
    sed -i "$serve"' s/^    bootstrapServers = var.kafka_bootstrap_servers$/    bootstrapServer = var.kafka_bootstrap_servers/' jobs.tf
  expect_failure missing-required-option "required option 'bootstrapServers' of ServeOptions is not passed" \
    sed -i "$serve"' { /^    bootstrapServers *= var.kafka_bootstrap_servers$/d }' jobs.tf
  expect_failure option-not-in-metadata "parameter 'jobName' is not in runners/dataflow/train/metadata.json" \
    sed -i "$train"' s/^    registry *= local.registry_path$/    registry = local.registry_path\n    jobName  = "nightly"/' jobs.tf
  expect_failure missing-metadata-parameter "job 'train': parameter 'registry' is not optional in metadata.json but not passed" \
    sed -i "$train"' { /^    registry *= local.registry_path$/d }' jobs.tf
  expect_failure literal-fails-validation "parameter 'startOffset' = 'NEWEST' fails the metadata's validation" \
    sed -i "$serve"' s/^    startOffset *= var.kafka_start_offset$/    startOffset      = "NEWEST"/' jobs.tf
  expect_failure unknown-job "'backfill' is no known template" \
    sed -i 's/^resource "google_dataflow_flex_template_job" "serve" {$/resource "google_dataflow_flex_template_job" "backfill" {/' jobs.tf
  expect_failure learn-unknown-parameter "job 'learn': parameter 'threshold' is not an option of LearnOptions" \
    sed -i "$learn"' s/^    microBatchSize *= \(.*\)$/    microBatchSize      = \1\n    threshold           = "0.7"/' jobs.tf
  expect_failure learn-missing-required-option "required option 'bootstrapServers' of LearnOptions is not passed" \
    sed -i "$learn"' { /^    bootstrapServers *= var.kafka_bootstrap_servers$/d }' jobs.tf
  expect_failure learn-missing-metadata-parameter "job 'learn': parameter 'spec' is not optional in metadata.json but not passed" \
    sed -i "$learn"' { /^    spec *= local.spec_uri$/d }' jobs.tf
  expect_failure learn-literal-fails-validation "job 'learn': parameter 'promote' = 'yes' fails the metadata's validation" \
    sed -i "$learn"' s/^    promote *= .*$/    promote             = "yes"/' jobs.tf
  expect_failure learn-without-job "template 'learn' has no resource" \
    sed -i 's/^resource "google_dataflow_flex_template_job" "learn" {$/resource "google_dataflow_flex_template_job" "learner" {/' jobs.tf
  echo "self-test: OK (terraform/ passes; each planted error fails)"
fi
