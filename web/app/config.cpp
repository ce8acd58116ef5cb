#include "app/config.h"

#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/Util/PropertyFileConfiguration.h>

#include <cctype>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "http/client_address.h"

namespace sendflow::web {
namespace {

// An integer setting within [min, max], or a clear error naming the key.
long long boundedInt(const Poco::Util::AbstractConfiguration& config, const std::string& key,
                     long long fallback, long long min, long long max) {
  const long long v = config.getInt64(key, fallback);
  if (v < min || v > max)
    throw std::runtime_error(key + " must be between " + std::to_string(min) + " and " +
                             std::to_string(max));
  return v;
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
  s.port = config.getInt("port", 8080);
  if (s.port < 0 || s.port > 65535) throw std::runtime_error("port must be between 0 and 65535");
  s.bindAddress = config.getString("bind", "127.0.0.1");
  s.baseUrl = config.getString("base_url", "http://localhost:" + std::to_string(s.port));
  while (!s.baseUrl.empty() && s.baseUrl.back() == '/') s.baseUrl.pop_back();
  s.maxBodyBytes = static_cast<std::size_t>(
      boundedInt(config, "http.max_body_bytes", 1024 * 1024, 0, LLONG_MAX / 2));
  s.http = readHttpLimits(config);
  s.tlsCertificate = config.getString("tls.certificate", "");
  s.tlsKey = config.getString("tls.key", "");
  s.pdfFonts.regular = config.getString("pdf.font_regular", kDefaultRegularFont);
  s.pdfFonts.bold = config.getString("pdf.font_bold", kDefaultBoldFont);
  return s;
}

}  // namespace sendflow::web
