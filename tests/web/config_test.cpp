// The configuration is read once, strictly: a value that is not exactly of its type or out of its
// range stops start-up with a message naming the key and what it accepts.
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "support/server.h"
#include "support/temp_dir.h"
#include "test_settings.h"

using namespace sendflow;
using testing::settingsFor;

namespace {

// The start-up error for one configured key ("" when the settings are accepted).
std::string refusal(const std::string& key, const std::string& value) {
  testing::TempDir home;
  try {
    settingsFor(home.path(), {{key, value}});
    return "";
  } catch (const std::runtime_error& e) {
    return e.what();
  }
}

}  // namespace

TEST_CASE("settings are typed exactly: a bad value names its key and what it accepts",
          "[web][config]") {
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"signing.require_code", "yes", "signing.require_code must be true or false (it is 'yes')"},
      {"signing.require_code", "1", "signing.require_code must be true or false"},
      {"smtp.verify_certificate", "on", "smtp.verify_certificate must be true or false"},
      {"signing.link_days", "365",
       "signing.link_days must be a whole number between 1 and 90 (it is '365')"},
      {"signing.link_days", "0", "signing.link_days must be a whole number between 1 and 90"},
      {"signing.link_days", "14days", "signing.link_days must be a whole number"},
      {"smtp.port", "25x", "smtp.port must be a whole number between 1 and 65535"},
      {"mail.poll_seconds", "0", "mail.poll_seconds must be a whole number between 1 and 3600"},
      {"reminders.catch_up_days", "-3", "reminders.catch_up_days must be a whole number"},
      {"http.threads", "0x10", "http.threads must be a whole number between 1 and 1024"},
      {"port", "", "port must be a whole number between 0 and 65535"},
      {"live.recheck_ms", "5", "live.recheck_ms must be a whole number between 10 and 60000"},
      {"smtp.tls", "ssl", "smtp.tls must be none, starttls or tls (it is 'ssl')"},
      {"demo.mailbox", "yes", "demo.mailbox must be true or false (it is 'yes')"},
      {"smtp.host", " ", "smtp.host must name the mail server"},
  };
  for (const auto& [key, value, message] : cases) {
    INFO(key << " = '" << value << "'");
    CHECK_THAT(refusal(key, value), Catch::Contains(message));
  }
}

TEST_CASE("demo.mailbox is a demo's alone: off unless set, never with a mail server",
          "[web][config]") {
  testing::TempDir home;
  const auto real = settingsFor(home.path());
  CHECK_FALSE(real.demo());
  CHECK(real.mail.demoMaildir.empty());
  CHECK_FALSE(real.mail.serverConfigured);
  CHECK(settingsFor(home.path(), {{"smtp.host", "mail.example"}}).mail.serverConfigured);
  const auto demo = settingsFor(home.path(), {{"demo.mailbox", "true"}});
  CHECK(demo.demo());
  CHECK(demo.mail.demoMaildir == home.path() + "/demo-mailbox");
  CHECK_THROWS_WITH(
      settingsFor(home.path(), {{"demo.mailbox", "true"}, {"smtp.host", "x.example"}}),
      Catch::Contains("cannot be used with smtp.host"));
}

TEST_CASE("settings: accepted values reach their typed settings", "[web][config]") {
  testing::TempDir home;
  const auto s = settingsFor(home.path(), {{"signing.require_code", "true"},
                                           {"signing.link_days", "30"},
                                           {"smtp.verify_certificate", "false"},
                                           {"smtp.tls", "STARTTLS"},
                                           {"live.recheck_ms", "250"},
                                           {"seal.pkcs12", "/etc/sendflow/seal.p12"},
                                           {"seal.password", "secret"},
                                           {"reminders.digest_weekday", "fri"}});
  CHECK(s.signing.requireCode);
  CHECK(s.signing.linkDays == 30);
  CHECK_FALSE(s.mail.verifyCertificate);
  CHECK(s.mail.tls == "starttls");
  CHECK(s.mail.port == 587);
  CHECK(s.live.recheck == std::chrono::milliseconds(250));
  CHECK(s.seal.pkcs12 == "/etc/sendflow/seal.p12");
  CHECK(s.seal.password == "secret");
  CHECK(s.reminders.digestWeekday == std::chrono::Friday);
  const auto defaults = settingsFor(home.path());
  CHECK_FALSE(defaults.signing.requireCode);
  CHECK(defaults.signing.linkDays == 14);
  CHECK(defaults.mail.verifyCertificate);
}

TEST_CASE("sendflow does not start on a setting it cannot read exactly", "[web][config]") {
  testing::Server server(
      std::map<std::string, std::string>{{"SENDFLOW_SIGNING_REQUIRE_CODE", "yes"}});
  auto r = server.run({"migrate"});
  CHECK(r.exitCode != 0);
  CHECK_THAT(r.err, Catch::Contains("signing.require_code must be true or false (it is 'yes')"));
}
