// Configuration: sendflow.properties, overridden by SENDFLOW_* environment variables
// (key "a.b_c" ↔ variable SENDFLOW_A_B_C).
#pragma once

#include <Poco/AutoPtr.h>
#include <Poco/Util/AbstractConfiguration.h>
#include <Poco/Util/LayeredConfiguration.h>

#include <string>

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

// Resolved settings every command needs.
struct Settings {
  std::string home;          // home (SENDFLOW_HOME), default ./var
  std::string databasePath;  // <home>/sendflow.db
  std::string formsDir, workflowsDir, webRoot;
  std::string baseUrl;       // base_url, default http://localhost:<port>
  std::string bindAddress;   // bind, default 127.0.0.1
  int port = 8080;
  std::size_t maxBodyBytes = 1024 * 1024;
  std::string tlsCertificate, tlsKey;
  bool https() const { return !tlsCertificate.empty() && !tlsKey.empty(); }
};

Settings readSettings(const Poco::Util::AbstractConfiguration& config);

}  // namespace sendflow::web
