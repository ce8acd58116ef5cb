#include "sendflow/web/config.h"

#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/Util/PropertyFileConfiguration.h>

#include <cctype>
#include <cstdlib>
#include <stdexcept>

namespace sendflow::web {

std::string EnvConfiguration::variableFor(const std::string& key) {
  std::string v = "SENDFLOW_";
  for (char c : key) v.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return v;
}

bool EnvConfiguration::getRaw(const std::string& key, std::string& value) const {
  const char* v = std::getenv(variableFor(key).c_str());  // NOLINT(concurrency-mt-unsafe): env is not modified after start
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
    throw std::runtime_error("the configuration file " + path + " (SENDFLOW_CONFIG) does not exist");
  }
}

Poco::AutoPtr<Poco::Util::LayeredConfiguration> loadConfiguration() {
  Poco::AutoPtr<Poco::Util::LayeredConfiguration> config(new Poco::Util::LayeredConfiguration);
  addLayers(*config);
  return config;
}

Settings readSettings(const Poco::Util::AbstractConfiguration& config) {
  Settings s;
  s.home = Poco::Path(config.getString("home", "var")).absolute().toString();
  s.databasePath = Poco::Path(s.home).append("sendflow.db").toString();
  s.formsDir = config.getString("forms.dir", SENDFLOW_SOURCE_ROOT "/forms");
  s.workflowsDir = config.getString("workflows.dir", SENDFLOW_SOURCE_ROOT "/workflows");
  s.webRoot = config.getString("web.root", SENDFLOW_SOURCE_ROOT "/web");
  s.port = config.getInt("port", 8080);
  if (s.port < 0 || s.port > 65535) throw std::runtime_error("port must be between 0 and 65535");
  s.bindAddress = config.getString("bind", "127.0.0.1");
  s.baseUrl = config.getString("base_url", "http://localhost:" + std::to_string(s.port));
  while (!s.baseUrl.empty() && s.baseUrl.back() == '/') s.baseUrl.pop_back();
  s.maxBodyBytes = static_cast<std::size_t>(config.getInt64("http.max_body_bytes", 1024 * 1024));
  s.tlsCertificate = config.getString("tls.certificate", "");
  s.tlsKey = config.getString("tls.key", "");
  return s;
}

}  // namespace sendflow::web
