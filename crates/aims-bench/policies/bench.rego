# The checks of the benchmark in Rego, for regorus: the same controls as bench.aims beside this
# file, over the same facts as JSON. Input, one system at a time:
#
#   {"system": {"name": ..., "risk_tier": ..., "owner": ...},
#    "model_cards":   [{"front": {front matter}, "sections": [{"heading": ..., "body": ...}]}],
#    "dataset_cards": [ ...same shape... ]}
#
# `data.bench.verdicts` maps each control id to "pass", "fail", "error" or "not_applicable",
# following the aims semantics: a missing or null fact fails a requirement, a control is
# evaluated once per document of the kind it applies to and fails if any document fails, a
# requirement that applies an operator to the wrong type is an error.
package bench

import rego.v1

approved_licenses := {"apache-2.0", "mit", "bsd-3-clause", "cc-by-4.0", "cc-by-sa-4.0", "cc0-1.0"}

placeholder := "more information needed"

high_risk if input.system.risk_tier in {"high", "unacceptable"}

# --- helpers mirroring aims built-ins -------------------------------------------------------
# A Rego function called with an undefined argument is undefined, so requirements are functions
# of the (always defined) document and return "pass" or "fail" through `else`.

# exists(x): present and not null
present(x) if x != null

# default(o.k, []) iterated: a string is one element, a map gives its values
elems(x) := [x] if is_string(x)
else := x if is_array(x)
else := [v | some v in x] if is_object(x)
else := []

items(o, k) := elems(o[k]) if present(o[k])
else := []

# section(doc, names...): the body of the first section whose heading matches a name
norm(h) := lower(trim_space(trim_right(trim_space(h), ":")))

# (as aims's `section`: a heading equal to a name first, else one that starts with a name at a
# word boundary, "limitations" finding "limitations and bias")
section(doc, names) := doc.sections[i].body if {
	found := {j | some j, s in doc.sections; norm(s.heading) in names}
	count(found) > 0
	i := min(found)
} else := doc.sections[i].body if {
	found := {j | some j, s in doc.sections; some n in names; prefix_at_word(norm(s.heading), n)}
	count(found) > 0
	i := min(found)
}

prefix_at_word(h, n) if {
	startswith(h, n)
	regex.match(`^[^\pL\pN]`, substring(h, count(n), -1))
}

has_section(doc, names) if section(doc, names)

req_section(doc, names) := "pass" if has_section(doc, names)
else := "fail"

req_present(o, k) := "pass" if present(o[k])
else := "fail"

combine(outcomes) := "error" if "error" in outcomes
else := "fail" if "fail" in outcomes
else := "pass"

# outcome of `all x in xs: P(x)` where P needs a string: the first element that is not a
# string (error), is null (missing: fail) or fails P (fail) decides
first_bad(xs, bad) := o if {
	count(bad) > 0
	o := bad_outcome(xs[min(bad)])
}
else := "pass"

bad_outcome(x) := "fail" if is_string(x)
else := "fail" if x == null
else := "error"

# --- controls -------------------------------------------------------------------------------

limitation_names := {"limitations", "bias, risks, and limitations", "limitations and bias", "intended uses & limitations"}

use_names := {"uses", "intended uses & limitations", "intended uses", "how to use"}

mc1_r2(f) := "pass" if not present(f.license)
else := "pass" if f.license in approved_licenses
else := "pass" if {
	f.license == "other"
	present(f.license_name)
}
else := "fail"

mc1 := "not_applicable" if count(input.model_cards) == 0
else := combine([o | some d in input.model_cards; some o in [
	req_present(d.front, "license"),
	mc1_r2(d.front),
]])

mc2_r2(d) := "pass" if not has_section(d, limitation_names)
else := "pass" if count(section(d, limitation_names)) >= 200
else := "fail"

mc2_r3(d) := "pass" if not has_section(d, limitation_names)
else := "pass" if not contains(lower(section(d, limitation_names)), placeholder)
else := "fail"

mc2 := "not_applicable" if count(input.model_cards) == 0
else := combine([o | some d in input.model_cards; some o in [
	req_section(d, limitation_names),
	mc2_r2(d),
	mc2_r3(d),
]])

mc3_r2(f) := "pass" if present(f.pipeline_tag)
else := "pass" if present(f.tags)
else := "fail"

mc3 := "not_applicable" if count(input.model_cards) == 0
else := combine([o | some d in input.model_cards; some o in [
	req_section(d, use_names),
	mc3_r2(d.front),
]])

model_index(f) := f["model-index"] if is_array(f["model-index"])
else := []

mc4_r1(f) := "pass" if {
	present(f["model-index"])
	count(f["model-index"]) > 0
}
else := "fail"

mc4_r2(f) := "pass" if {
	every m in model_index(f) {
		present(m.results)
		every r in m.results {
			present(r.dataset.type)
			present(r.metrics)
			count(r.metrics) > 0
		}
	}
}
else := "fail"

mc4_r3(f) := "pass" if {
	every m in model_index(f) {
		present(m.results)
		every r in m.results {
			present(r.metrics)
			every x in r.metrics {
				present(x.value)
			}
		}
	}
}
else := "fail"

mc4 := "not_applicable" if count(input.model_cards) == 0
else := "not_applicable" if not input.system.risk_tier != "minimal"
else := combine([o | some d in input.model_cards; some o in [
	mc4_r1(d.front),
	mc4_r2(d.front),
	mc4_r3(d.front),
]])

mc5_r1(f) := "pass" if {
	present(f.datasets)
	count(f.datasets) > 0
}
else := "fail"

dataset_id_ok(d) if {
	is_string(d)
	regex.match(`^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)?$`, d)
}

mc5_r2(f) := first_bad(xs, {i | some i, d in xs; not dataset_id_ok(d)}) if {
	xs := items(f, "datasets")
}

mc5 := "not_applicable" if count(input.model_cards) == 0
else := combine([o | some d in input.model_cards; some o in [
	mc5_r1(d.front),
	mc5_r2(d.front),
]])

licences(f) := f.license if present(f.license)
else := f.licenses

dc1_r1(f) := "pass" if present(licences(f))
else := "fail"

dc1_bad(l) if l in {"unknown", "other"}

dc1_bad(l) if l == null

dc1_r2(f) := "fail" if {
	some l in elems(licences(f))
	dc1_bad(l)
}
else := "pass"

dc1 := "not_applicable" if count(input.dataset_cards) == 0
else := combine([o | some d in input.dataset_cards; some o in [dc1_r1(d.front), dc1_r2(d.front)]])

pii_names := {"personal and sensitive information"}

dc2_r2(d) := "pass" if not has_section(d, pii_names)
else := "pass" if {
	pii := section(d, pii_names)
	count(trim_space(pii)) > 0
	not contains(lower(pii), placeholder)
}
else := "fail"

dc2 := "not_applicable" if count(input.dataset_cards) == 0
else := combine([o | some d in input.dataset_cards; some o in [
	req_section(d, pii_names),
	dc2_r2(d),
]])

provenance_ok(s) if {
	is_string(s)
	s == "original"
}

provenance_ok(s) if {
	is_string(s)
	startswith(s, "extended|")
}

dc3_r2(f) := first_bad(xs, {i | some i, s in xs; not provenance_ok(s)}) if {
	xs := items(f, "source_datasets")
}

dc3 := "not_applicable" if count(input.dataset_cards) == 0
else := combine([o | some d in input.dataset_cards; some o in [
	req_present(d.front, "source_datasets"),
	dc3_r2(d.front),
	req_present(d.front, "size_categories"),
]])

bias_names := {"discussion of biases", "bias", "biases"}

dc4_r1(d) := "pass" if {
	b := section(d, bias_names)
	not contains(lower(b), placeholder)
}
else := "fail"

dc4 := "not_applicable" if count(input.dataset_cards) == 0
else := "not_applicable" if not high_risk
else := combine([dc4_r1(d) | some d in input.dataset_cards])

sys1 := "pass" if {
	present(input.system.owner)
	regex.match(`^[a-z][a-z0-9-]*$`, input.system.owner)
}
else := "fail"

verdicts := {
	"MC-1": mc1,
	"MC-2": mc2,
	"MC-3": mc3,
	"MC-4": mc4,
	"MC-5": mc5,
	"DC-1": dc1,
	"DC-2": dc2,
	"DC-3": dc3,
	"DC-4": dc4,
	"SYS-1": sys1,
}
