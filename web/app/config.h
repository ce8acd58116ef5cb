// Configuration: sendflow.properties, overridden by SENDFLOW_* environment variables
// (key "a.b_c" ↔ variable SENDFLOW_A_B_C).
#pragma once

#include <Poco/AutoPtr.h>
#include <Poco/Util/AbstractConfiguration.h>
#include <Poco/Util/LayeredConfiguration.h>

#include <chrono>
#include <cstddef>
#include <string>

#include "app/font_files.h"
#include "sendflow/engine/live/live.h"
#include "sendflow/engine/reminders/reminders.h"
#include "sendflow/engine/signing/signatures.h"

namespace sendflow::web {

// Reads keys from the environment: "smtp.port" → SENDFLOW_SMTP_PORT. Read-only.
class EnvConfiguration : public Poco::Util::AbstractConfiguration {
 public:
  static std::string variableFor(const std::string& key);

 protected:
  bool getRaw(const std::string& key, std::string& value) const override;
  void setRaw(const std::string& key, const std::string& value) override;
  void enumerate(const std::string& key, Keys& range) const override;
};

// Builds the layered configuration: environment first, then the properties file named by
// SENDFLOW_CONFIG (default ./sendflow.properties, if present).
Poco::AutoPtr<Poco::Util::LayeredConfiguration> loadConfiguration();
void addLayers(Poco::Util::LayeredConfiguration& config);

// The HTTP front end's limits (docs/http.md). Every number is a setting `http.*`.
struct HttpLimits {
  int workers = 16;                        // http.threads: threads running complete requests
  std::size_t maxQueued = 256;             // http.max_queued: complete requests waiting for one
  int maxConnections = 8192;               // http.max_connections
  int maxConnectionsPerIp = 1024;          // http.max_connections_per_ip (not for trusted proxies)
  std::size_t maxHeaderBytes = 32768;      // http.max_header_bytes: a longer head gets 431
  std::chrono::seconds headerTimeout{10};  // http.header_timeout: accept/first byte -> whole head
  std::chrono::seconds bodyTimeout{30};    // http.body_timeout: end of head -> whole body
  std::chrono::seconds keepAliveTimeout{5};  // http.keep_alive_timeout: idle between requests
  std::chrono::seconds writeTimeout{30};     // http.write_timeout: a response (or a WebSocket's
                                             // backlog) not written in this time closes it
  std::string trustedProxies;  // http.trusted_proxies: addresses/CIDRs whose X-Forwarded-For counts
};

// smtp.*, mail.*, reminders.every_seconds: the SMTP transport and the outbox sender.
struct MailSettings {
  // smtp.host was given: there is a mail server to send to. Without one (and without the demo
  // mailbox) mail waits in the outbox, sent by nobody, and the mail page and /healthz say so.
  bool serverConfigured = false;
  // demo.mailbox=true (scripts/run's demo only, never a default): every message is delivered
  // into this Maildir, <home>/demo-mailbox, instead of to a mail server, and shown on the demo
  // mailbox page. Empty: off.
  std::string demoMaildir;
  std::string host = "localhost";
  int port = 25;
  std::string tls = "none";  // none | starttls | tls
  std::string user, password;
  std::string auth = "login";  // login | plain (when user is set)
  bool verifyCertificate = true;
  int timeoutSeconds = 30;
  std::string from = "sendflow <noreply@localhost.localdomain>";  // checked: engine::parseMailbox
  std::string baseUrl;                                            // = Settings::baseUrl
  int retryBaseSeconds = 60;  // first retry after this; doubles each time
  int retryMaxStepSeconds = 4 * 3600;
  int giveUpAfterHours = 72;       // temporary failures retry this long, then "failed"
  int pollSeconds = 2;             // the sender looks for due rows this often
  int reminderEverySeconds = 600;  // serve re-evaluates today's reminders this often
};

// seal.*: the trust's own certificate for sealing signed PDFs (PEM pair or PKCS#12); all empty:
// a self-signed one is generated once under <home>/keys.
struct SealSettings {
  std::string certificate, key;  // seal.certificate, seal.key: PEM files
  std::string pkcs12, password;  // seal.pkcs12 (DER file), seal.password
};

// backup.*: scheduled backups made by the server (off while dir is empty).
struct BackupSettings {
  std::string dir;               // backup.dir
  std::chrono::hours every{24};  // backup.every: "6h", "1d" …
  int keep = 7;                  // backup.keep: the newest this many are kept
};

// Resolved settings every command needs. readSettings reads the configuration once; each
// service is given its part through its constructor.
struct Settings {
  std::string home;          // home (SENDFLOW_HOME), default ./var
  std::string databasePath;  // <home>/sendflow.db
  std::string formsDir, workflowsDir, webRoot;
  std::string translationsDir;  // translations.dir: LANGUAGES and <tag>.po (docs/translations.md)
  std::string baseUrl;          // base_url, default http://localhost:<port>
  std::string bindAddress;      // bind, default 127.0.0.1
  int port = 8080;
  std::size_t maxBodyBytes = 1024 * 1024;
  std::string tlsCertificate, tlsKey;
  HttpLimits http;
  MailSettings mail;
  engine::ReminderSettings reminders;  // reminders.digest_weekday, reminders.catch_up_days
  // signing.link_days, signing.require_code (the link key is loaded by the composition root)
  engine::SignatureSettings signing;
  SealSettings seal;
  engine::LiveLimits live;  // live.recheck_ms, live.quiet_ms
  FontPaths pdfFonts;       // pdf.font_regular, pdf.font_bold: TrueType files for PDFs
  BackupSettings backup;    // backup.dir, backup.every, backup.keep
  // metrics.token: a bearer token that lets a monitor read /metrics from anywhere; without it
  // only a loopback client not behind a proxy may.
  std::string metricsToken;
  // shutdown.grace: from SIGTERM to exit (draining requests, folding live edits, closing the
  // database); what is still running then is cut, and the log says what.
  std::chrono::seconds shutdownGrace{10};
  // audit.anchor_every_seconds: how often at most the server appends the audit chain's head to
  // <home>/audit.anchor while events are written (and always at a clean shutdown)
  std::chrono::seconds auditAnchorEvery{600};
  // audit.read_commit_ms: a read's audit event is committed (with others) within this many ms of
  // the read instead of before its answer; 0: before its answer (docs/security.md)
  std::chrono::milliseconds auditReadCommit{200};
  bool https() const { return !tlsCertificate.empty() && !tlsKey.empty(); }
  // demo.mailbox=true: a demo server (made-up data, mail into the demo mailbox), and says so.
  bool demo() const { return !mail.demoMaildir.empty(); }
};

// Reads and checks every setting: a value that is not exactly of its type or out of its range
// throws std::runtime_error naming the key and what it accepts (sendflow does not start).
// Booleans are "true" or "false"; numbers are whole decimal numbers.
Settings readSettings(const Poco::Util::AbstractConfiguration& config);

}  // namespace sendflow::web
