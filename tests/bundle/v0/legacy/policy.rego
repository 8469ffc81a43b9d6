package legacy

allow { input.user == "admin" }
