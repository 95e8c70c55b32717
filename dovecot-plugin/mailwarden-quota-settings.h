/* mailwarden-quota-settings.h: reading the plugin's settings for one user. The only
   place that knows how a Dovecot version delivers settings (2.3: plugin {} entries and
   userdb extra fields through mail_user_plugin_getenv), so 2.4's typed settings can be
   added here without touching the rest.
   Rules: R-PSH-4, R-SAV-1, R-SAV-2, R-MYO-8. */
#ifndef MAILWARDEN_QUOTA_SETTINGS_H
#define MAILWARDEN_QUOTA_SETTINGS_H

struct mail_user;
struct mailwarden_quota_mail_user;

/* Setting names (plugin {} or userdb fields, e.g. from LDAP user_attrs). */
#define MAILWARDEN_QUOTA_SETTING_STORAGE "mailwarden_quota_storage"
#define MAILWARDEN_QUOTA_SETTING_MESSAGES "mailwarden_quota_messages"

/* Reads every setting of the plugin for user into muser->core (quota-bridge.h lists
   them), with the state file in the user's home. A malformed value is logged as a
   warning on muser->event and the default is kept: a typo in one LDAP entry must not
   stop that user's mail. */
void mailwarden_quota_settings_read(struct mail_user *user,
				    struct mailwarden_quota_mail_user *muser);

#endif
