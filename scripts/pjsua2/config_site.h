/*
 * Centralita's PJSIP compile-time configuration (copied to pjlib/include/pj/config_site.h
 * by scripts/pjsua2/build.sh; part of the wheel cache key, so editing it triggers a rebuild).
 *
 * The stock limits (4 calls, 32 players/recorders, 254 conference ports) suit a phone,
 * not a contact center. These held 500 concurrent calls in one process on these machines.
 */

/* Calls, players, recorders and conference bridge ports per process. A bridged call is
 * two calls in the worker (caller and agent legs): 300 bridged calls need 600. */
#define PJSUA_MAX_CALLS             1024
#define PJSUA_MAX_PLAYERS           512
#define PJSUA_MAX_RECORDERS         512
#define PJSUA_MAX_CONF_PORTS        2048

/* Accounts per process (stock: 8): a bank of agents' phones in one process (the demo,
 * bench voice) registers one account per station. */
#define PJSUA_MAX_ACC               512

/* Sockets: each call holds RTP + RTCP; epoll (configure --enable-epoll) has no
 * FD_SETSIZE ceiling. */
#define PJ_IOQUEUE_MAX_HANDLES      4096

/* SIP dialogs (calls plus subscriptions) in flight. */
#define PJSIP_MAX_DIALOG_COUNT      4096

/* Audio only: no video code, no video devices. */
#define PJMEDIA_HAS_VIDEO           0
