# Role-based access control: a user may perform an action on a resource type
# when one of the user's roles grants it.
package rbac

default allow := false

allow if {
	some grant in user_grants
	grant.action == input.action
	grant.type == input.type
}

user_grants contains grant if {
	some role in data.user_roles[input.user]
	some grant in data.role_grants[role]
}

# Why a request is denied, for logs and error messages.
reasons contains msg if {
	not allow
	msg := sprintf("user %q may not %s %s", [input.user, input.action, input.type])
}
