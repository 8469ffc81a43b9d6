# Tests of the rbac policy: `verdict test examples/rbac` (or `opa test`).
# The users and roles are those of data.json; inputs are given with `with`.
package rbac_test

import data.rbac

# ---- allowed ----

test_admin_reads_invoice if {
	rbac.allow with input as {"user": "alice", "action": "read", "type": "invoice"}
}

test_viewer_reads_report if {
	rbac.allow with input as {"user": "bob", "action": "read", "type": "report"}
}

test_billing_approves_payment if {
	grants := rbac.user_grants with input as {"user": "bob"}
	print("grants of bob:", count(grants))
	rbac.allow with input as {"user": "bob", "action": "approve", "type": "payment"}
}

# ---- denied ----

test_viewer_cannot_delete_report if {
	not rbac.allow with input as {"user": "bob", "action": "delete", "type": "report"}
}

test_user_without_roles_denied if {
	not rbac.allow with input as {"user": "carol", "action": "read", "type": "invoice"}
}

test_unknown_user_denied if {
	not rbac.allow with input as {"user": "mallory", "action": "read", "type": "invoice"}
}

test_action_and_type_must_match_one_grant if {
	# alice may read invoices and delete reports, not read reports
	not rbac.allow with input as {"user": "alice", "action": "read", "type": "report"}
}

# ---- derived documents ----

test_grants_are_the_union_of_roles if {
	rbac.user_grants == {
		{"action": "read", "type": "invoice"},
		{"action": "read", "type": "report"},
		{"action": "approve", "type": "payment"},
	} with input as {"user": "bob"}
}

test_reason_when_denied if {
	reasons := rbac.reasons with input as {"user": "carol", "action": "read", "type": "invoice"}
	print("reasons:", reasons)
	reasons == {`user "carol" may not read invoice`}
}

test_no_reason_when_allowed if {
	count(rbac.reasons) == 0 with input as {"user": "alice", "action": "read", "type": "invoice"}
}

# ---- mocks ----

# Roles and grants replaced for one test.
test_new_role_from_mocked_data if {
	rbac.allow with input as {"user": "dave", "action": "read", "type": "report"}
		with data.user_roles as {"dave": ["auditor"]}
		with data.role_grants.auditor as [{"action": "read", "type": "report"}]
}

# A built-in function replaced by a Rego function.
short_reason(_, args) := concat(" ", ["denied:", args[0]])

test_reason_with_mocked_sprintf if {
	rbac.reasons == {"denied: carol"} with input as {"user": "carol", "action": "read", "type": "invoice"}
		with sprintf as short_reason
}

# Rules of the policy replaced by values.
test_mocked_grants if {
	rbac.allow with input as {"user": "nobody", "action": "fly", "type": "kite"}
		with rbac.user_grants as {{"action": "fly", "type": "kite"}}
}
