# account_ldif.sh: prov_account_ldif DN UID MAIL ALIAS EXTID: an account with EVERY
# attribute of mailwardenAccount (and the inetOrgPerson profile ones), as LDIF.
# shellcheck shell=bash
prov_account_ldif() {
  cat <<LDIF
dn: $1
objectClass: top
objectClass: person
objectClass: organizationalPerson
objectClass: inetOrgPerson
objectClass: mailwardenAccount
uid: $2
cn: Ivan Petrov
sn: Petrov
givenName: Ivan
displayName: Ivan Petrov
title: Engineer
telephoneNumber: +375 17 000 00 00
preferredLanguage: be
mail: $3
mwAlias: $4
mwSendAs: shared-$2@example.org
mwAccountStatus: pending
mwRegion: 7
mwTenant: minfin
mwQuotaBytes: 2000000000
mwQuotaMessages: 5000
mwDailySendLimit: 100
mwInternalOnly: TRUE
mwAllowedRecipient: @partner.example
mwMailboxHost: imap1.example.org
mwRelationship: employee
mwExternalId: $5
mwDeletedAt: 20260101000000Z
mwPurgeAfter: 20260131000000Z
LDIF
}
