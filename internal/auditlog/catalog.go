package auditlog

// ActivityType is one value of the Admin API's AuditLogActivityType enum.
//
// Enum is the name the API takes and returns (USER_AUTHENTICATED), EventType
// the dotted form stored in data.type (user.authenticated), Group one of
// user, authentication, identity, messaging, admin_api, project and other.
type ActivityType struct {
	Enum        string `json:"enum"`
	EventType   string `json:"eventType"`
	Group       string `json:"group"`
	Description string `json:"description"`
}

// Groups are the activity groups, in catalog order.
func Groups() []string {
	return []string{"user", "authentication", "identity", "messaging", "admin_api", "project", "other"}
}

// Catalog returns every activity type the Admin API knows, in the order of the
// API's enum. The caller owns the returned slice.
func Catalog() []ActivityType {
	out := make([]ActivityType, len(catalog))
	copy(out, catalog)
	return out
}

// LookupActivity finds an activity type by its enum name (exact, upper case).
func LookupActivity(enum string) (ActivityType, bool) {
	i, ok := catalogIndex[enum]
	if !ok {
		return ActivityType{}, false
	}
	return catalog[i], true
}

// catalogIndex maps an enum name to its position in catalog. It is built once
// and never written afterwards.
var catalogIndex = func() map[string]int {
	m := make(map[string]int, len(catalog))
	for i, a := range catalog {
		m[a.Enum] = i
	}
	return m
}()

// catalog is the list of the Admin API's AuditLogActivityType enum, with the
// event type each value stands for. Keep it in the enum's order; a test checks
// it against the generated client.
var catalog = []ActivityType{
	{"USER_CREATED", "user.created", "user", "A new user signed up or was created"},
	{"USER_AUTHENTICATED", "user.authenticated", "user", "A user signed in successfully"},
	{"USER_REAUTHENTICATED", "user.reauthenticated", "user", "A signed-in user confirmed their identity again, e.g. before a sensitive action"},
	{"USER_PROFILE_UPDATED", "user.profile.updated", "user", "Profile details such as name, gender or custom attributes changed"},
	{"USER_DISABLED", "user.disabled", "user", "A user account was disabled, e.g. by an admin"},
	{"USER_REENABLED", "user.reenabled", "user", "A disabled user account was enabled again"},
	{"USER_SIGNED_OUT", "user.signed_out", "user", "A user signed out"},
	{"USER_SESSION_TERMINATED", "user.session.terminated", "user", "A session of the user was terminated (revoked by the user or an admin)"},
	{"USER_ANONYMOUS_PROMOTED", "user.anonymous.promoted", "user", "An anonymous user was promoted to a normal user"},
	{"USER_DELETION_SCHEDULED", "user.deletion_scheduled", "user", "Deletion of a user account was scheduled"},
	{"USER_DELETION_UNSCHEDULED", "user.deletion_unscheduled", "user", "A scheduled deletion of a user account was cancelled"},
	{"USER_DELETED", "user.deleted", "user", "A user account was deleted"},
	{"USER_ANONYMIZATION_SCHEDULED", "user.anonymization_scheduled", "user", "Anonymization of a user account was scheduled"},
	{"USER_ANONYMIZATION_UNSCHEDULED", "user.anonymization_unscheduled", "user", "A scheduled anonymization of a user account was cancelled"},
	{"USER_ANONYMIZED", "user.anonymized", "user", "A user account was anonymized (personal data removed)"},
	{"BOT_PROTECTION_VERIFICATION_FAILED", "bot_protection.verification.failed", "authentication", "A bot protection (CAPTCHA) challenge failed"},
	{"AUTHENTICATION_BLOCKED", "authentication.blocked", "authentication", "An authentication attempt was blocked, e.g. by account lockout after repeated failures"},
	{"RATE_LIMIT_BLOCKED", "rate_limit.blocked", "authentication", "A request was blocked because a rate limit was exceeded"},
	{"USAGE_ALERT_TRIGGERED", "usage.alert.triggered", "other", "A usage alert fired, e.g. message sending reached a configured threshold"},
	{"AUTHENTICATION_IDENTITY_LOGIN_ID_FAILED", "authentication.identity.login_id.failed", "authentication", "Login failed because the email, phone or username was not found"},
	{"AUTHENTICATION_IDENTITY_ANONYMOUS_FAILED", "authentication.identity.anonymous.failed", "authentication", "Anonymous user authentication failed"},
	{"AUTHENTICATION_IDENTITY_BIOMETRIC_FAILED", "authentication.identity.biometric.failed", "authentication", "Authentication with biometrics failed"},
	{"AUTHENTICATION_PRIMARY_PASSWORD_FAILED", "authentication.primary.password.failed", "authentication", "Invalid password at login"},
	{"AUTHENTICATION_PRIMARY_OOB_OTP_EMAIL_FAILED", "authentication.primary.oob_otp_email.failed", "authentication", "Authentication with the one-time code sent by email failed"},
	{"AUTHENTICATION_PRIMARY_OOB_OTP_SMS_FAILED", "authentication.primary.oob_otp_sms.failed", "authentication", "Authentication with the one-time code sent by SMS failed"},
	{"AUTHENTICATION_SECONDARY_PASSWORD_FAILED", "authentication.secondary.password.failed", "authentication", "Invalid additional (second-factor) password"},
	{"AUTHENTICATION_SECONDARY_TOTP_FAILED", "authentication.secondary.totp.failed", "authentication", "Two-factor authentication with an authenticator app (TOTP) failed"},
	{"AUTHENTICATION_SECONDARY_OOB_OTP_EMAIL_FAILED", "authentication.secondary.oob_otp_email.failed", "authentication", "Two-factor authentication with a code sent by email failed"},
	{"AUTHENTICATION_SECONDARY_OOB_OTP_SMS_FAILED", "authentication.secondary.oob_otp_sms.failed", "authentication", "Two-factor authentication with a code sent by SMS failed"},
	{"AUTHENTICATION_SECONDARY_RECOVERY_CODE_FAILED", "authentication.secondary.recovery_code.failed", "authentication", "Sign-in with a two-factor recovery code failed"},
	{"IDENTITY_EMAIL_ADDED", "identity.email.added", "identity", "An email address was added to a user as a login ID"},
	{"IDENTITY_EMAIL_REMOVED", "identity.email.removed", "identity", "An email login ID was removed from a user"},
	{"IDENTITY_EMAIL_UPDATED", "identity.email.updated", "identity", "A user's email login ID was changed"},
	{"IDENTITY_EMAIL_VERIFIED", "identity.email.verified", "identity", "A user's email address was marked verified"},
	{"IDENTITY_EMAIL_UNVERIFIED", "identity.email.unverified", "identity", "A user's email address was marked unverified"},
	{"IDENTITY_PHONE_ADDED", "identity.phone.added", "identity", "A phone number was added to a user as a login ID"},
	{"IDENTITY_PHONE_REMOVED", "identity.phone.removed", "identity", "A phone login ID was removed from a user"},
	{"IDENTITY_PHONE_UPDATED", "identity.phone.updated", "identity", "A user's phone login ID was changed"},
	{"IDENTITY_PHONE_VERIFIED", "identity.phone.verified", "identity", "A user's phone number was marked verified"},
	{"IDENTITY_PHONE_UNVERIFIED", "identity.phone.unverified", "identity", "A user's phone number was marked unverified"},
	{"IDENTITY_USERNAME_ADDED", "identity.username.added", "identity", "A username was added to a user as a login ID"},
	{"IDENTITY_USERNAME_REMOVED", "identity.username.removed", "identity", "A username login ID was removed from a user"},
	{"IDENTITY_USERNAME_UPDATED", "identity.username.updated", "identity", "A user's username was changed"},
	{"IDENTITY_OAUTH_CONNECTED", "identity.oauth.connected", "identity", "A social or enterprise (OAuth) account was linked to a user"},
	{"IDENTITY_OAUTH_DISCONNECTED", "identity.oauth.disconnected", "identity", "A social or enterprise (OAuth) account was unlinked from a user"},
	{"IDENTITY_BIOMETRIC_ENABLED", "identity.biometric.enabled", "identity", "Biometric sign-in was enabled on a device"},
	{"IDENTITY_BIOMETRIC_DISABLED", "identity.biometric.disabled", "identity", "Biometric sign-in was disabled"},
	{"M2M_TOKEN_CREATED", "m2m.token.created", "other", "An access token was issued to a machine-to-machine client (client credentials)"},
	{"EMAIL_SENT", "email.sent", "messaging", "An email such as a one-time code or verification message was sent"},
	{"SMS_SENT", "sms.sent", "messaging", "An SMS such as a one-time code or verification message was sent"},
	{"WHATSAPP_SENT", "whatsapp.sent", "messaging", "A WhatsApp message such as a one-time code was sent"},
	{"EMAIL_SUPPRESSED", "email.suppressed", "messaging", "An email was not delivered on purpose (test or development mode)"},
	{"SMS_SUPPRESSED", "sms.suppressed", "messaging", "An SMS was not delivered on purpose (test or development mode)"},
	{"WHATSAPP_SUPPRESSED", "whatsapp.suppressed", "messaging", "A WhatsApp message was not delivered on purpose (test or development mode)"},
	{"EMAIL_ERROR", "email.error", "messaging", "Sending an email failed"},
	{"SMS_ERROR", "sms.error", "messaging", "Sending an SMS failed"},
	{"WHATSAPP_ERROR", "whatsapp.error", "messaging", "Sending a WhatsApp message failed"},
	{"WHATSAPP_OTP_VERIFIED", "whatsapp.otp.verified", "messaging", "Verification by a WhatsApp one-time code completed"},
	{"FRAUD_PROTECTION_DECISION_RECORDED", "fraud_protection.decision_recorded", "other", "Fraud protection recorded its allow or block decision on a request, e.g. an SMS one-time code"},
	{"ADMIN_API_MUTATION_ANONYMIZE_USER_EXECUTED", "admin_api.mutation.anonymize_user.executed", "admin_api", "Admin API: a user was anonymized"},
	{"ADMIN_API_MUTATION_CREATE_IDENTITY_EXECUTED", "admin_api.mutation.create_identity.executed", "admin_api", "Admin API: a login ID or other identity was added to a user"},
	{"ADMIN_API_MUTATION_CREATE_SESSION_EXECUTED", "admin_api.mutation.create_session.executed", "admin_api", "Admin API: a session was created for a user"},
	{"ADMIN_API_MUTATION_CREATE_USER_EXECUTED", "admin_api.mutation.create_user.executed", "admin_api", "Admin API: a user was created"},
	{"ADMIN_API_MUTATION_CREATE_AUTHENTICATOR_EXECUTED", "admin_api.mutation.create_authenticator.executed", "admin_api", "Admin API: an authenticator (password, OTP, TOTP) was added to a user"},
	{"ADMIN_API_MUTATION_CREATE_GROUP_EXECUTED", "admin_api.mutation.create_group.executed", "admin_api", "Admin API: a group was created"},
	{"ADMIN_API_MUTATION_CREATE_ROLE_EXECUTED", "admin_api.mutation.create_role.executed", "admin_api", "Admin API: a role was created"},
	{"ADMIN_API_MUTATION_CREATE_RESOURCE_EXECUTED", "admin_api.mutation.create_resource.executed", "admin_api", "Admin API: an API resource was created"},
	{"ADMIN_API_MUTATION_CREATE_SCOPE_EXECUTED", "admin_api.mutation.create_scope.executed", "admin_api", "Admin API: a scope was created on an API resource"},
	{"ADMIN_API_MUTATION_DELETE_AUTHENTICATOR_EXECUTED", "admin_api.mutation.delete_authenticator.executed", "admin_api", "Admin API: an authenticator was removed from a user"},
	{"ADMIN_API_MUTATION_DELETE_AUTHORIZATION_EXECUTED", "admin_api.mutation.delete_authorization.executed", "admin_api", "Admin API: a user's authorization (consent) for a client was deleted"},
	{"ADMIN_API_MUTATION_DELETE_IDENTITY_EXECUTED", "admin_api.mutation.delete_identity.executed", "admin_api", "Admin API: an identity was removed from a user"},
	{"ADMIN_API_MUTATION_DELETE_USER_EXECUTED", "admin_api.mutation.delete_user.executed", "admin_api", "Admin API: a user was deleted"},
	{"ADMIN_API_MUTATION_DELETE_GROUP_EXECUTED", "admin_api.mutation.delete_group.executed", "admin_api", "Admin API: a group was deleted"},
	{"ADMIN_API_MUTATION_DELETE_ROLE_EXECUTED", "admin_api.mutation.delete_role.executed", "admin_api", "Admin API: a role was deleted"},
	{"ADMIN_API_MUTATION_DELETE_RESOURCE_EXECUTED", "admin_api.mutation.delete_resource.executed", "admin_api", "Admin API: an API resource was deleted"},
	{"ADMIN_API_MUTATION_DELETE_SCOPE_EXECUTED", "admin_api.mutation.delete_scope.executed", "admin_api", "Admin API: a scope was deleted from an API resource"},
	{"ADMIN_API_MUTATION_GENERATE_OOB_OTP_CODE_EXECUTED", "admin_api.mutation.generate_oob_otp_code.executed", "admin_api", "Admin API: a one-time code was generated for a user"},
	{"ADMIN_API_MUTATION_RESET_ACCOUNT_LOCKOUT_EXECUTED", "admin_api.mutation.reset_account_lockout.executed", "admin_api", "Admin API: a user's account lockout was reset"},
	{"ADMIN_API_MUTATION_RESET_PASSWORD_EXECUTED", "admin_api.mutation.reset_password.executed", "admin_api", "Admin API: a user's password was reset"},
	{"ADMIN_API_MUTATION_REVOKE_ALL_SESSIONS_EXECUTED", "admin_api.mutation.revoke_all_sessions.executed", "admin_api", "Admin API: all sessions of a user were revoked"},
	{"ADMIN_API_MUTATION_REVOKE_SESSION_EXECUTED", "admin_api.mutation.revoke_session.executed", "admin_api", "Admin API: a session of a user was revoked"},
	{"ADMIN_API_MUTATION_SCHEDULE_ACCOUNT_ANONYMIZATION_EXECUTED", "admin_api.mutation.schedule_account_anonymization.executed", "admin_api", "Admin API: anonymization of a user was scheduled"},
	{"ADMIN_API_MUTATION_SCHEDULE_ACCOUNT_DELETION_EXECUTED", "admin_api.mutation.schedule_account_deletion.executed", "admin_api", "Admin API: deletion of a user was scheduled"},
	{"ADMIN_API_MUTATION_SEND_RESET_PASSWORD_MESSAGE_EXECUTED", "admin_api.mutation.send_reset_password_message.executed", "admin_api", "Admin API: a reset password message was sent to a user"},
	{"ADMIN_API_MUTATION_SET_DISABLED_STATUS_EXECUTED", "admin_api.mutation.set_disabled_status.executed", "admin_api", "Admin API: a user was disabled or re-enabled"},
	{"ADMIN_API_MUTATION_SET_ACCOUNT_VALID_FROM_EXECUTED", "admin_api.mutation.set_account_valid_from.executed", "admin_api", "Admin API: the start of a user's account validity period was set"},
	{"ADMIN_API_MUTATION_SET_ACCOUNT_VALID_UNTIL_EXECUTED", "admin_api.mutation.set_account_valid_until.executed", "admin_api", "Admin API: the end of a user's account validity period was set"},
	{"ADMIN_API_MUTATION_SET_ACCOUNT_VALID_PERIOD_EXECUTED", "admin_api.mutation.set_account_valid_period.executed", "admin_api", "Admin API: a user's account validity period was set"},
	{"ADMIN_API_MUTATION_SET_VERIFIED_STATUS_EXECUTED", "admin_api.mutation.set_verified_status.executed", "admin_api", "Admin API: an email or phone of a user was marked verified or unverified"},
	{"ADMIN_API_MUTATION_UNSCHEDULE_ACCOUNT_ANONYMIZATION_EXECUTED", "admin_api.mutation.unschedule_account_anonymization.executed", "admin_api", "Admin API: a scheduled anonymization of a user was cancelled"},
	{"ADMIN_API_MUTATION_UNSCHEDULE_ACCOUNT_DELETION_EXECUTED", "admin_api.mutation.unschedule_account_deletion.executed", "admin_api", "Admin API: a scheduled deletion of a user was cancelled"},
	{"ADMIN_API_MUTATION_UPDATE_IDENTITY_EXECUTED", "admin_api.mutation.update_identity.executed", "admin_api", "Admin API: an identity of a user was updated"},
	{"ADMIN_API_MUTATION_UPDATE_USER_EXECUTED", "admin_api.mutation.update_user.executed", "admin_api", "Admin API: a user's profile was updated"},
	{"ADMIN_API_MUTATION_UPDATE_ROLE_EXECUTED", "admin_api.mutation.update_role.executed", "admin_api", "Admin API: a role was updated"},
	{"ADMIN_API_MUTATION_UPDATE_GROUP_EXECUTED", "admin_api.mutation.update_group.executed", "admin_api", "Admin API: a group was updated"},
	{"ADMIN_API_MUTATION_UPDATE_RESOURCE_EXECUTED", "admin_api.mutation.update_resource.executed", "admin_api", "Admin API: an API resource was updated"},
	{"ADMIN_API_MUTATION_UPDATE_SCOPE_EXECUTED", "admin_api.mutation.update_scope.executed", "admin_api", "Admin API: a scope of an API resource was updated"},
	{"ADMIN_API_MUTATION_ADD_RESOURCE_TO_CLIENTID_EXECUTED", "admin_api.mutation.add_resource_to_clientid.executed", "admin_api", "Admin API: an API resource was granted to an application (client ID)"},
	{"ADMIN_API_MUTATION_REMOVE_RESOURCE_FROM_CLIENTID_EXECUTED", "admin_api.mutation.remove_resource_from_clientid.executed", "admin_api", "Admin API: an API resource was removed from an application (client ID)"},
	{"ADMIN_API_MUTATION_ADD_SCOPES_TO_CLIENTID_EXECUTED", "admin_api.mutation.add_scopes_to_clientid.executed", "admin_api", "Admin API: scopes were granted to an application (client ID)"},
	{"ADMIN_API_MUTATION_REMOVE_SCOPES_FROM_CLIENTID_EXECUTED", "admin_api.mutation.remove_scopes_from_clientid.executed", "admin_api", "Admin API: scopes were removed from an application (client ID)"},
	{"ADMIN_API_MUTATION_REPLACE_SCOPES_OF_CLIENTID_EXECUTED", "admin_api.mutation.replace_scopes_of_clientid.executed", "admin_api", "Admin API: the scopes of an application (client ID) were replaced"},
	{"ADMIN_API_MUTATION_ADD_GROUP_TO_ROLES_EXECUTED", "admin_api.mutation.add_group_to_roles.executed", "admin_api", "Admin API: a group was added to roles"},
	{"ADMIN_API_MUTATION_ADD_ROLE_TO_GROUPS_EXECUTED", "admin_api.mutation.add_role_to_groups.executed", "admin_api", "Admin API: a role was added to groups"},
	{"ADMIN_API_MUTATION_REMOVE_GROUP_FROM_ROLES_EXECUTED", "admin_api.mutation.remove_group_from_roles.executed", "admin_api", "Admin API: a group was removed from roles"},
	{"ADMIN_API_MUTATION_REMOVE_ROLE_FROM_GROUPS_EXECUTED", "admin_api.mutation.remove_role_from_groups.executed", "admin_api", "Admin API: a role was removed from groups"},
	{"ADMIN_API_MUTATION_ADD_GROUP_TO_USERS_EXECUTED", "admin_api.mutation.add_group_to_users.executed", "admin_api", "Admin API: users were added to a group"},
	{"ADMIN_API_MUTATION_ADD_USER_TO_GROUPS_EXECUTED", "admin_api.mutation.add_user_to_groups.executed", "admin_api", "Admin API: a user was added to groups"},
	{"ADMIN_API_MUTATION_REMOVE_GROUP_FROM_USERS_EXECUTED", "admin_api.mutation.remove_group_from_users.executed", "admin_api", "Admin API: users were removed from a group"},
	{"ADMIN_API_MUTATION_REMOVE_USER_FROM_GROUPS_EXECUTED", "admin_api.mutation.remove_user_from_groups.executed", "admin_api", "Admin API: a user was removed from groups"},
	{"ADMIN_API_MUTATION_ADD_ROLE_TO_USERS_EXECUTED", "admin_api.mutation.add_role_to_users.executed", "admin_api", "Admin API: a role was given to users"},
	{"ADMIN_API_MUTATION_ADD_USER_TO_ROLES_EXECUTED", "admin_api.mutation.add_user_to_roles.executed", "admin_api", "Admin API: a user was given roles"},
	{"ADMIN_API_MUTATION_REMOVE_ROLE_FROM_USERS_EXECUTED", "admin_api.mutation.remove_role_from_users.executed", "admin_api", "Admin API: a role was taken from users"},
	{"ADMIN_API_MUTATION_REMOVE_USER_FROM_ROLES_EXECUTED", "admin_api.mutation.remove_user_from_roles.executed", "admin_api", "Admin API: roles were taken from a user"},
	{"ADMIN_API_MUTATION_SET_PASSWORD_EXPIRED_EXECUTED", "admin_api.mutation.set_password_expired.executed", "admin_api", "Admin API: a user's password was marked expired, forcing a change at next sign-in"},
	{"PROJECT_APP_CREATED", "project.app.created", "project", "Portal: a project was created"},
	{"PROJECT_APP_UPDATED", "project.app.updated", "project", "Portal: the project configuration was changed"},
	{"PROJECT_APP_SECRET_VIEWED", "project.app.secret.viewed", "project", "Portal: a secret of the project configuration was revealed"},
	{"PROJECT_BILLING_CHECKOUT_CREATED", "project.billing.checkout.created", "project", "Portal: a billing checkout was started for a plan"},
	{"PROJECT_BILLING_SUBSCRIPTION_CANCELLED", "project.billing.subscription.cancelled", "project", "Portal: the project's subscription was cancelled"},
	{"PROJECT_BILLING_SUBSCRIPTION_STATUS_UPDATED", "project.billing.subscription.status.updated", "project", "Portal: the status of the project's subscription changed"},
	{"PROJECT_BILLING_SUBSCRIPTION_UPDATED", "project.billing.subscription.updated", "project", "Portal: the project's subscription plan was changed"},
	{"PROJECT_COLLABORATOR_DELETED", "project.collaborator.deleted", "project", "Portal: a collaborator was removed from the project"},
	{"PROJECT_COLLABORATOR_INVITATION_ACCEPTED", "project.collaborator.invitation.accepted", "project", "Portal: an invitation to collaborate on the project was accepted"},
	{"PROJECT_COLLABORATOR_INVITATION_CREATED", "project.collaborator.invitation.created", "project", "Portal: someone was invited to collaborate on the project"},
	{"PROJECT_COLLABORATOR_INVITATION_DELETED", "project.collaborator.invitation.deleted", "project", "Portal: a collaborator invitation was revoked"},
	{"PROJECT_DOMAIN_CREATED", "project.domain.created", "project", "Portal: a custom domain was added to the project"},
	{"PROJECT_DOMAIN_DELETED", "project.domain.deleted", "project", "Portal: a custom domain was removed from the project"},
	{"PROJECT_DOMAIN_VERIFIED", "project.domain.verified", "project", "Portal: a custom domain of the project was verified"},
}
