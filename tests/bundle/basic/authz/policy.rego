# Authorization for the basic fixture bundle.
package authz

default allow := false

allow if data.users[input.user].role == "admin"
