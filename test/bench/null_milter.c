/* test/bench/null_milter.c: a libmilter milter that decides nothing, negotiated exactly as
 * mailwarden-milter is on a unix socket (same skipped steps, same no-reply steps, same
 * macro lists). test/bench/milter.sh compiles it and measures Postfix with it: the floor
 * any milter built on libmilter pays, so the cost of mailwarden's own work is the
 * difference. Not part of the product; no rule of its own (R-MYO-12 measurements).
 *   null_milter unix:/PATH      (runs in the foreground until SIGTERM)
 */
#include <libmilter/mfapi.h>
#include <stdio.h>
#include <string.h>

static const unsigned long skipped = SMFIP_NOUNKNOWN | SMFIP_NOEOH | SMFIP_NOHELO | SMFIP_NODATA;
static const unsigned long no_reply = SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_HDR | SMFIP_NR_BODY;

static sfsistat nm_negotiate(SMFICTX *ctx, unsigned long actions, unsigned long steps,
                             unsigned long f2, unsigned long f3, unsigned long *want_actions,
                             unsigned long *want_steps, unsigned long *want_f2,
                             unsigned long *want_f3) {
    /* The same lists as milter/callbacks.cpp, so Postfix sends the same macro packets. */
    static char conn[] = "j {daemon_name} {daemon_addr} {client_addr} {client_name} {client_port}";
    static char from[] = "i {auth_type} {auth_authen} {auth_author} {mail_addr}";
    static char rcpt[] = "i {rcpt_addr} {rcpt_host} {rcpt_mailer}";
    static char data[] = "i";
    static char eom[] = "i {auth_type} {auth_authen}";
    (void)f2;
    (void)f3;
    *want_actions = actions & (SMFIF_SETSYMLIST | SMFIF_QUARANTINE);
    *want_steps = (steps & skipped) | no_reply;
    *want_f2 = 0;
    *want_f3 = 0;
    if (actions & SMFIF_SETSYMLIST) {
        smfi_setsymlist(ctx, SMFIM_CONNECT, conn);
        smfi_setsymlist(ctx, SMFIM_ENVFROM, from);
        smfi_setsymlist(ctx, SMFIM_ENVRCPT, rcpt);
        smfi_setsymlist(ctx, SMFIM_DATA, data);
        smfi_setsymlist(ctx, SMFIM_EOM, eom);
    }
    return SMFIS_CONTINUE;
}

static sfsistat nm_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr) {
    (void)ctx, (void)host, (void)addr;
    return SMFIS_NOREPLY;
}
static sfsistat nm_helo(SMFICTX *ctx, char *name) {
    (void)ctx, (void)name;
    return SMFIS_NOREPLY;
}
static sfsistat nm_envfrom(SMFICTX *ctx, char **argv) {
    (void)ctx, (void)argv;
    return SMFIS_CONTINUE;
}
static sfsistat nm_envrcpt(SMFICTX *ctx, char **argv) {
    (void)ctx, (void)argv;
    return SMFIS_CONTINUE;
}
static sfsistat nm_header(SMFICTX *ctx, char *name, char *value) {
    (void)ctx, (void)name, (void)value;
    return SMFIS_NOREPLY;
}
static sfsistat nm_body(SMFICTX *ctx, unsigned char *data, size_t length) {
    (void)ctx, (void)data, (void)length;
    return SMFIS_NOREPLY;
}
static sfsistat nm_eom(SMFICTX *ctx) {
    (void)ctx;
    return SMFIS_CONTINUE;
}

int main(int argc, char **argv) {
    struct smfiDesc desc;
    static char name[] = "null-milter";
    if (argc != 2 || strncmp(argv[1], "unix:", 5) != 0) {
        fprintf(stderr, "usage: %s unix:/PATH\n", argv[0]);
        return 64;
    }
    memset(&desc, 0, sizeof desc);
    desc.xxfi_name = name;
    desc.xxfi_version = SMFI_VERSION;
    desc.xxfi_flags = SMFIF_QUARANTINE;
    desc.xxfi_connect = nm_connect;
    desc.xxfi_helo = nm_helo;
    desc.xxfi_envfrom = nm_envfrom;
    desc.xxfi_envrcpt = nm_envrcpt;
    desc.xxfi_header = nm_header;
    desc.xxfi_body = nm_body;
    desc.xxfi_eom = nm_eom;
    desc.xxfi_negotiate = nm_negotiate;
    if (smfi_register(desc) != MI_SUCCESS || smfi_setconn(argv[1]) != MI_SUCCESS ||
        smfi_opensocket(1) != MI_SUCCESS) {
        fprintf(stderr, "null_milter: cannot listen on %s\n", argv[1]);
        return 71;
    }
    fprintf(stderr, "null_milter: listening on %s\n", argv[1]);
    return smfi_main() == MI_SUCCESS ? 0 : 1;
}
