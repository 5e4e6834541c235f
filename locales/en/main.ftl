app-name = Yoldash
app-tagline = Information system for gender- and age-sensitive migration management and counter-trafficking work
lang-en = English
lang-ru = Русский
lang-tk = Türkmençe
skip-to-content = Skip to content
footer-version = Yoldash version { $version }
nav-home = Home
nav-password = Change password
nav-logout = Sign out

login-title = Sign in
login-email = E-mail
login-password = Password
login-submit = Sign in
login-failed = The e-mail or password is not correct, or the account is not active.
login-throttled = Too many sign-in attempts. Wait a few minutes and try again.
logged-out = You have signed out.

password-title = Change password
password-current = Current password
password-new = New password
password-confirm = New password again
password-submit = Change password
password-changed = Your password has been changed. Other sessions were signed out.
password-mismatch = The two new passwords are not the same.
password-current-wrong = The current password is not correct.
password-forced = An administrator has reset your password. Choose a new one to continue.
password-rules = { $min } characters or more. A few unrelated words make a good password.
password-too-short = The password must have at least { $min } characters.
password-too-long = The password is too long.
password-common = This password is too common or too simple. Choose another.
password-contains-email = The password must not contain your e-mail address.
password-contains-name = The password must not be built on your name or the system's name.

home-title = Home
home-welcome = Welcome, { $name }.
home-organisation = Organisation: { $organisation }
home-roles = Your roles: { $roles }

role-admin = System administrator
role-org_admin = Organisation administrator
role-secretariat = Working-group secretariat
role-supervisor = Case supervisor
role-case_worker = Case worker
role-service_provider = Service provider focal point
role-hotline_operator = Hotline operator
role-me_officer = M&E officer
role-viewer = Viewer

error-title = Something went wrong
error-title-refused = Not available to you
error-title-not-found = Not found
error-bad-request = The request could not be understood.
error-unauthorized = Sign in to continue.
error-forbidden = You do not have permission to do this.
error-not-found = Not found.
error-conflict = Someone else changed this record after you opened it. Your changes were not saved; review the current version and apply them again.
error-duplicate = This value is already in use.
error-invalid = Some of the values are not valid.
error-csrf = The form has expired or did not come from this site. Reload the page and try again.
error-too-large = The request is too large.
error-throttled = Too many requests. Wait a moment and try again.
error-method-not-allowed = This address does not take this kind of request.
error-internal = An internal error occurred. It has been logged; no data was changed.
error-back-home = Back to the home page

field-required = This field is required.
field-invalid-email = Enter an e-mail address such as name@example.org.
field-invalid-name = Enter a name of at most 200 characters, without control or invisible characters.
field-invalid-code = Use 2 to 32 letters A–Z, digits, hyphens or underscores.
field-invalid-organisation-type = Choose an organisation type.
field-invalid-role = Unknown role.
field-role-required = Choose at least one role.
field-invalid-language = Choose English, Russian or Turkmen.
field-unknown-organisation = No organisation has this code.
field-organisation-inactive = This organisation is deactivated.
field-unknown-region = No region has this code.
field-invalid-label = Enter a label of at most 100 characters.
field-invalid-expiry = Enter a number of days from 1 to 3650.
field-english-name-required = An English name is required.
field-duplicate-code = This code is used twice.
field-unknown-parent = The parent region does not exist.
field-cyclic-parent = The parent regions form a loop.
field-invalid-version = The version is missing or not a number.
field-invalid-body = The request body does not have the expected fields.
field-unknown-field = This operation does not take this field: check its name in the API description.
field-unknown-parameter = This operation does not take this query parameter: check its name in the API description.
field-cannot-disable-self = You cannot disable your own account.
nav-main = Main
nav-account = My account
nav-organisations = Organisations
nav-users = Users
nav-regions = Regions
nav-lists = Reference lists
nav-audit = Audit log
nav-tokens = API tokens
language = Language
breadcrumbs = You are here
format-datetime = { $day } { $monthname } { $year }, { $hour }:{ $minute } UTC
format-percent = { $value }%
number-group-separator = ,
number-decimal-separator = .
month-1 = Jan
month-2 = Feb
month-3 = Mar
month-4 = Apr
month-5 = May
month-6 = Jun
month-7 = Jul
month-8 = Aug
month-9 = Sep
month-10 = Oct
month-11 = Nov
month-12 = Dec
home-second-factor-off = Your account is protected by a password only. A second factor makes it much safer.
home-my-work = My open work
home-my-work-empty = Nothing is waiting for you. Cases assigned to you and referrals to your organisation will appear here.
home-approvals = Waiting for my approval
home-approvals-empty = Nothing is waiting for your approval. Assessments, case plans, closures and progress reports sent to you will appear here.
home-administration = Administration
home-figure-organisations = Active organisations
home-figure-users = Active user accounts
home-activity = My recent activity
home-activity-empty = No activity recorded yet.
activity-login = Signed in
activity-login_failed = Sign-in failed
activity-login_throttled = Sign-in refused (too many attempts)
activity-logout = Signed out
activity-create = Created a record
activity-update = Changed a record
activity-delete = Deleted a record
activity-read = Opened a record
activity-list = Viewed a list
activity-export = Exported data
activity-password_change = Changed a password
activity-password_reset = Reset a password
activity-disable = Disabled an account or organisation
activity-token_create = Created an API token
activity-token_revoke = Revoked an API token
activity-key_rotate = Rotated the encryption keys
activity-backup = Made a backup
activity-restore = Restored a backup
activity-consent_override = Overrode a missing consent
activity-import = Imported data

## issue 10 (authz)
error-account-out-of-reach = This account holds a role you cannot grant, so you cannot change it. Ask a system administrator.
error-supervisor-decision = Reassigning a case and lifting its protection (restricted, family member implicated) are decisions for a case supervisor.

## issue 10 (web)
activity-access_refused = Asked for a record outside your access (refused)

## issue 10 (db)
error-unavailable = The database cannot save anything right now: its storage may be full or out of reach. Nothing was saved. Try again later; if this goes on, tell your administrator.
notice-audit-head-lagging = The file audit-head.json, which marks the newest audit log entry, could not be written (the server log says why). The audit log itself is complete, but until the file is written again, "audit verify" cannot tell whether the newest entries were removed. Check the free space and the permissions of the data directory; the file is written again automatically.

## issue 10 (review)
error-own-roles = You cannot change your own roles. Ask another administrator to do it.
error-own-second-factor = You cannot lift the second-factor requirement of your own account or reset your own second factor here: another administrator does it. To change your own second factor, use My account → Security.

# Home for roles whose work comes later (pages/mod.rs).
home-coming = What you will find here
home-coming-secretariat = National Action Plan monitoring: activities, responsible agencies, deadlines, progress reports and the national report. Coming in a later version.
home-coming-me_officer = Gender-sensitive indicators, by sex and age, and the registers they are computed from. Coming in a later version.
home-coming-service_provider = Referrals to your service and their follow-up. Coming in a later version.
home-coming-hotline_operator = The hotline register: consultations and the referrals they lead to. Coming in a later version.
home-coming-viewer = Published figures and reports, with personal data protected. Coming in a later version.
