# Tests of the admission policy: `verdict test examples/k8s-admission`.
# Small pods are built here; testdata/review/input.json (data.testdata.review)
# is the 24-container review of the benchmark scenario.
package k8s.admission_test

import data.k8s.admission

# A pod with the given containers and labels, as an AdmissionReview.
review(containers, labels) := {
	"kind": "AdmissionReview",
	"request": {"object": {
		"kind": "Pod",
		"metadata": {"name": "web", "namespace": "shop", "labels": labels},
		"spec": {"containers": containers},
	}},
}

good_container := {
	"name": "app",
	"image": "registry.internal.example/app:1.0",
	"resources": {"limits": {"cpu": "500m", "memory": "256Mi"}},
	"securityContext": {"privileged": false},
}

labels := {"app": "web", "team": "shop"}

# ---- allowed ----

test_good_pod_allowed if {
	admission.allow with input as review([good_container], labels)
}

test_mirror_registry_allowed if {
	c := object.union(good_container, {"image": "mirror.example.org/app:2.0"})
	count(admission.deny) == 0 with input as review([c], labels)
}

# ---- denied ----

test_foreign_registry_denied if {
	c := object.union(good_container, {"image": "docker.io/library/app:1.0"})
	msgs := admission.deny with input as review([c], labels)
	print("deny:", msgs)
	msgs == {"container app uses image docker.io/library/app:1.0 from a registry that is not allowed"}
}

test_missing_memory_limit_denied if {
	c := json.remove(good_container, ["resources/limits/memory"])
	admission.deny == {"container app has no memory limit"} with input as review([c], labels)
}

test_privileged_denied if {
	c := object.union(good_container, {"securityContext": {"privileged": true}})
	admission.deny == {"container app is privileged"} with input as review([c], labels)
}

test_missing_label_denied if {
	not admission.allow with input as review([good_container], {"app": "web"})
}

test_every_problem_reported if {
	bad := {"name": "bad", "image": "docker.io/x:1", "securityContext": {"privileged": true}}
	count(admission.deny) == 4 with input as review([good_container, bad], {"app": "web"})
}

# ---- the benchmark's review, decisions as in its expected.json ----

test_benchmark_review if {
	msgs := admission.deny with input as data.testdata.review
	count(msgs) == 11
	"pod web is missing required label team" in msgs
	"container c13 is privileged" in msgs
	not admission.allow with input as data.testdata.review
}

# ---- mocks ----

# The registry list replaced: docker.io becomes allowed.
test_mocked_registries if {
	c := object.union(good_container, {"image": "docker.io/library/app:1.0"})
	admission.allow with input as review([c], labels) with data.allowed_registries as ["docker.io/"]
}

# A policy function replaced by another.
any_image(_) := true

test_mocked_image_check if {
	c := object.union(good_container, {"image": "quay.io/app:1.0"})
	admission.allow with input as review([c], labels) with admission.allowed_image as any_image
}

# A built-in function replaced by a value.
test_mocked_startswith if {
	not admission.allow with input as review([good_container], labels) with startswith as false
}
