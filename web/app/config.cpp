#include "app/config.h"

#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/Util/PropertyFileConfiguration.h>

#include <cctype>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "http/client_address.h"
#include "sendflow/engine/core/email_address.h"
#include "sendflow/engine/core/text.h"

namespace sendflow::web {
namespace {

// A configured value as an error message shows it: control characters replaced, cut short.
std::string shown(const std::string& v) {
  std::string out;
  for (char c : v.substr(0, 80)) out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c;
  return "'" + out + (v.size() > 80 ? "…'" : "'");
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// An integer setting: the whole value a decimal number within [min, max], or an error naming
// the key and what it accepts (no "3abc" read as 3, no value clamped silently).
long long boundedInt(const Poco::Util::AbstractConfiguration& config, const std::string& key,
                     long long fallback, long long min, long long max) {
  if (!config.has(key)) return fallback;
  const std::string raw = config.getString(key);
  long long v = 0;
  const char* end = raw.data() + raw.size();
  auto [ptr, ec] = std::from_chars(raw.data(), end, v);
  if (raw.empty() || ec != std::errc() || ptr != end || v < min || v > max)
    throw std::runtime_error(key + " must be a whole number between " + std::to_string(min) +
                             " and " + std::to_string(max) + " (it is " + shown(raw) + ")");
  return v;
}

int boundedInt32(const Poco::Util::AbstractConfiguration& config, const std::string& key,
                 int fallback, int min, int max) {
  return static_cast<int>(boundedInt(config, key, fallback, min, max));
}

// A boolean setting: exactly "true" or "false".
bool boolean(const Poco::Util::AbstractConfiguration& config, const std::string& key,
             bool fallback) {
  if (!config.has(key)) return fallback;
  const std::string raw = config.getString(key);
  if (raw == "true") return true;
  if (raw == "false") return false;
  throw std::runtime_error(key + " must be true or false (it is " + shown(raw) + ")");
}

// One of a closed set of words, case-insensitive.
std::string oneOf(const Poco::Util::AbstractConfiguration& config, const std::string& key,
                  const std::string& fallback, const std::vector<std::string>& allowed) {
  const std::string v = lower(config.getString(key, fallback));
  for (const auto& a : allowed)
    if (v == a) return v;
  std::string list;
  for (std::size_t i = 0; i < allowed.size(); ++i)
    list += (i == 0 ? "" : i + 1 == allowed.size() ? " or " : ", ") + allowed[i];
  throw std::runtime_error(key + " must be " + list + " (it is " + shown(v) + ")");
}

// backup.every: whole hours ("6h") or days ("1d"), from one hour to a year.
std::chrono::hours backupInterval(const Poco::Util::AbstractConfiguration& c) {
  const std::string key = "backup.every";
  if (!c.has(key)) return std::chrono::hours(24);
  const std::string raw = c.getString(key);
  long long n = 0;
  const char* end = raw.data() + raw.size();
  auto [ptr, ec] = std::from_chars(raw.data(), end, n);
  const bool unit = ptr + 1 == end && (*ptr == 'h' || *ptr == 'd');
  const long long hours = unit && *ptr == 'd' ? n * 24 : n;
  if (raw.empty() || ec != std::errc() || !unit || hours < 1 || hours > 366 * 24)
    throw std::runtime_error(key +
                             " must be a number of hours or days such as 6h or 1d, from 1h "
                             "to 366d (it is " +
                             shown(raw) + ")");
  return std::chrono::hours(hours);
}

// shutdown.grace: whole seconds ("10s") or minutes ("1m"), from one second to ten minutes.
std::chrono::seconds shutdownGrace(const Poco::Util::AbstractConfiguration& c) {
  const std::string key = "shutdown.grace";
  if (!c.has(key)) return std::chrono::seconds(10);
  const std::string raw = c.getString(key);
  long long n = 0;
  const char* end = raw.data() + raw.size();
  auto [ptr, ec] = std::from_chars(raw.data(), end, n);
  const bool unit = ptr + 1 == end && (*ptr == 's' || *ptr == 'm');
  const long long seconds = unit && *ptr == 'm' ? n * 60 : n;
  if (raw.empty() || ec != std::errc() || !unit || seconds < 1 || seconds > 600)
    throw std::runtime_error(key +
                             " must be a number of seconds or minutes such as 10s or 1m, from 1s "
                             "to 10m (it is " +
                             shown(raw) + ")");
  return std::chrono::seconds(seconds);
}

BackupSettings readBackupSettings(const Poco::Util::AbstractConfiguration& c) {
  BackupSettings b;
  b.dir = c.getString("backup.dir", "");
  if (!b.dir.empty()) b.dir = Poco::Path(b.dir).absolute().toString();
  b.every = backupInterval(c);
  b.keep = boundedInt32(c, "backup.keep", b.keep, 1, 1000);
  return b;
}

MailSettings readMailSettings(const Poco::Util::AbstractConfiguration& c,
                              const std::string& baseUrl, const std::string& home) {
  MailSettings s;
  s.serverConfigured = c.has("smtp.host");
  if (s.serverConfigured && engine::trimmed(c.getString("smtp.host")).empty())
    throw std::runtime_error("smtp.host must name the mail server (it is empty)");
  if (boolean(c, "demo.mailbox", false)) {
    // A demo server never sends real mail: both at once would be a real server showing its
    // signers' links to every member of staff.
    if (s.serverConfigured)
      throw std::runtime_error(
          "demo.mailbox=true keeps every email in the demo mailbox: it cannot be used with "
          "smtp.host (a demo server sends no real mail)");
    s.demoMaildir = Poco::Path(home).append("demo-mailbox").toString();
  }
  s.host = c.getString("smtp.host", s.host);
  s.tls = oneOf(c, "smtp.tls", "none", {"none", "starttls", "tls"});
  s.port = boundedInt32(c, "smtp.port",
                        s.tls == "tls"        ? 465
                        : s.tls == "starttls" ? 587
                                              : 25,
                        1, 65535);
  s.user = c.getString("smtp.user", "");
  s.password = c.getString("smtp.password", "");
  s.auth = oneOf(c, "smtp.auth", "login", {"login", "plain"});
  s.verifyCertificate = boolean(c, "smtp.verify_certificate", true);
  s.timeoutSeconds = boundedInt32(c, "smtp.timeout_seconds", 30, 1, 3600);
  s.from = c.getString("mail.from", s.from);
  if (auto from = engine::parseMailbox(s.from); !from)
    throw std::runtime_error(
        "mail.from must be an address like send@trust.example or SEND team "
        "<send@trust.example> (it is " +
        shown(s.from) + "): " + from.error().message);
  s.baseUrl = baseUrl;
  s.retryBaseSeconds = boundedInt32(c, "mail.retry_base_seconds", 60, 1, 86400);
  s.retryMaxStepSeconds =
      boundedInt32(c, "mail.retry_max_step_seconds", s.retryMaxStepSeconds, 1, 7 * 86400);
  s.giveUpAfterHours = boundedInt32(c, "mail.give_up_after_hours", 72, 1, 24 * 366);
  s.pollSeconds = boundedInt32(c, "mail.poll_seconds", 2, 1, 3600);
  s.reminderEverySeconds = boundedInt32(c, "reminders.every_seconds", 600, 1, 86400);
  return s;
}

engine::ReminderSettings readReminderSettings(const Poco::Util::AbstractConfiguration& c) {
  engine::ReminderSettings r;
  const std::string day = lower(c.getString("reminders.digest_weekday", "monday"));
  const char* names[] = {"sunday",   "monday", "tuesday", "wednesday",
                         "thursday", "friday", "saturday"};
  bool found = false;
  for (unsigned i = 0; i < 7; ++i)
    if (day == names[i] || day == std::string(names[i]).substr(0, 3))
      r.digestWeekday = std::chrono::weekday{i}, found = true;
  if (!found)
    throw std::runtime_error(
        "reminders.digest_weekday must be a day of the week, e.g. monday or mon (it is " +
        shown(day) + ")");
  r.catchUpDays = boundedInt32(c, "reminders.catch_up_days", 31, 1, 366);
  return r;
}

engine::SignatureSettings readSigningSettings(const Poco::Util::AbstractConfiguration& c) {
  engine::SignatureSettings s;
  s.linkDays = boundedInt32(c, "signing.link_days", s.linkDays, 1, 90);
  s.requireCode = boolean(c, "signing.require_code", s.requireCode);
  return s;
}

SealSettings readSealSettings(const Poco::Util::AbstractConfiguration& c) {
  SealSettings s;
  s.certificate = c.getString("seal.certificate", "");
  s.key = c.getString("seal.key", "");
  s.pkcs12 = c.getString("seal.pkcs12", "");
  s.password = c.getString("seal.password", "");
  if (s.pkcs12.empty() && s.certificate.empty() != s.key.empty())
    throw std::runtime_error("seal.certificate and seal.key must both be set (PEM files)");
  return s;
}

engine::LiveLimits readLiveLimits(const Poco::Util::AbstractConfiguration& c) {
  engine::LiveLimits l;
  l.recheck =
      std::chrono::milliseconds(boundedInt(c, "live.recheck_ms", l.recheck.count(), 10, 60000));
  l.quietPeriod = std::chrono::milliseconds(
      boundedInt(c, "live.quiet_ms", l.quietPeriod.count(), 100, 3600000));
  return l;
}

HttpLimits readHttpLimits(const Poco::Util::AbstractConfiguration& config) {
  HttpLimits h;
  auto seconds = [&](const std::string& key, std::chrono::seconds fallback) {
    return std::chrono::seconds(boundedInt(config, key, fallback.count(), 1, 3600));
  };
  h.workers = static_cast<int>(boundedInt(config, "http.threads", h.workers, 1, 1024));
  h.maxQueued = static_cast<std::size_t>(
      boundedInt(config, "http.max_queued", static_cast<long long>(h.maxQueued), 1, 1000000));
  h.maxConnections =
      static_cast<int>(boundedInt(config, "http.max_connections", h.maxConnections, 16, 1000000));
  h.maxConnectionsPerIp = static_cast<int>(
      boundedInt(config, "http.max_connections_per_ip", h.maxConnectionsPerIp, 1, 1000000));
  h.maxHeaderBytes = static_cast<std::size_t>(boundedInt(
      config, "http.max_header_bytes", static_cast<long long>(h.maxHeaderBytes), 1024, 1 << 20));
  h.headerTimeout = seconds("http.header_timeout", h.headerTimeout);
  h.bodyTimeout = seconds("http.body_timeout", h.bodyTimeout);
  h.keepAliveTimeout = seconds("http.keep_alive_timeout", h.keepAliveTimeout);
  h.writeTimeout = seconds("http.write_timeout", h.writeTimeout);
  h.trustedProxies = config.getString("http.trusted_proxies", "");
  TrustedProxies::parse(h.trustedProxies);  // fails start-up on a malformed entry
  return h;
}

}  // namespace

std::string EnvConfiguration::variableFor(const std::string& key) {
  std::string v = "SENDFLOW_";
  for (char c : key)
    v.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return v;
}

bool EnvConfiguration::getRaw(const std::string& key, std::string& value) const {
  const char* v = std::getenv(
      variableFor(key).c_str());  // NOLINT(concurrency-mt-unsafe): env is not modified after start
  if (!v) return false;
  value = v;
  return true;
}

void EnvConfiguration::setRaw(const std::string&, const std::string&) {
  throw std::logic_error("the environment configuration is read-only");
}

void EnvConfiguration::enumerate(const std::string&, Keys&) const {}

void addLayers(Poco::Util::LayeredConfiguration& config) {
  config.add(new EnvConfiguration, -200, false);
  const char* file = std::getenv("SENDFLOW_CONFIG");  // NOLINT(concurrency-mt-unsafe)
  std::string path = file ? file : "sendflow.properties";
  if (Poco::File(path).exists()) {
    config.add(new Poco::Util::PropertyFileConfiguration(path), -150, false);
  } else if (file) {
    throw std::runtime_error("the configuration file " + path +
                             " (SENDFLOW_CONFIG) does not exist");
  }
}

Poco::AutoPtr<Poco::Util::LayeredConfiguration> loadConfiguration() {
  Poco::AutoPtr<Poco::Util::LayeredConfiguration> config(new Poco::Util::LayeredConfiguration);
  addLayers(*config);
  return config;
}

// Where forms/, workflows/ and web/ are unless configured: beside an installed binary
// (<prefix>/share/sendflow), else in the checkout the binary was built from.
namespace {
std::string defaultDataRoot() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto installed = (exe.parent_path() / SENDFLOW_DATA_FROM_BINARY).lexically_normal();
    if (std::filesystem::is_directory(installed / "forms", ec)) return installed.string();
  }
  return SENDFLOW_SOURCE_ROOT;
}
}  // namespace

Settings readSettings(const Poco::Util::AbstractConfiguration& config) {
  Settings s;
  const std::string data = defaultDataRoot();
  s.home = Poco::Path(config.getString("home", "var")).absolute().toString();
  s.databasePath = Poco::Path(s.home).append("sendflow.db").toString();
  s.formsDir = config.getString("forms.dir", data + "/forms");
  s.workflowsDir = config.getString("workflows.dir", data + "/workflows");
  s.webRoot = config.getString("web.root", data + "/web");
  s.translationsDir = config.getString("translations.dir", data + "/translations");
  s.port = boundedInt32(config, "port", 8080, 0, 65535);
  s.bindAddress = config.getString("bind", "127.0.0.1");
  s.baseUrl = config.getString("base_url", "http://localhost:" + std::to_string(s.port));
  while (!s.baseUrl.empty() && s.baseUrl.back() == '/') s.baseUrl.pop_back();
  s.maxBodyBytes = static_cast<std::size_t>(
      boundedInt(config, "http.max_body_bytes", 1024 * 1024, 0, LLONG_MAX / 2));
  s.http = readHttpLimits(config);
  s.tlsCertificate = config.getString("tls.certificate", "");
  s.tlsKey = config.getString("tls.key", "");
  s.mail = readMailSettings(config, s.baseUrl, s.home);
  s.reminders = readReminderSettings(config);
  s.signing = readSigningSettings(config);
  s.seal = readSealSettings(config);
  s.live = readLiveLimits(config);
  s.pdfFonts.regular = config.getString("pdf.font_regular", kDefaultRegularFont);
  s.pdfFonts.bold = config.getString("pdf.font_bold", kDefaultBoldFont);
  s.backup = readBackupSettings(config);
  s.metricsToken = config.getString("metrics.token", "");
  if (!s.metricsToken.empty() &&
      (s.metricsToken.size() < 32 ||
       s.metricsToken.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                        "0123456789-._~") != std::string::npos))
    throw std::runtime_error(
        "metrics.token must be at least 32 characters of letters, digits and - . _ ~");
  s.shutdownGrace = shutdownGrace(config);
  s.auditAnchorEvery =
      std::chrono::seconds(boundedInt(config, "audit.anchor_every_seconds", 600, 1, 7 * 86400));
  s.auditReadCommit =
      std::chrono::milliseconds(boundedInt(config, "audit.read_commit_ms", 200, 0, 1000));
  return s;
}

}  // namespace sendflow::web
