// The demo trust behind a running server, with signed-in clients for its accounts (tests only).
#pragma once

#include <Poco/JSON/Stringifier.h>

#include <catch2/catch.hpp>

#include "support/server.h"

namespace sendflow::testing {

inline std::string toJson(const Poco::Dynamic::Var& v) {
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(v, out);
  return out.str();
}

struct Demo {
  explicit Demo(std::map<std::string, std::string> env = {}) : server(std::move(env)) {
    data = server.seedDemo();
    server.start();
    server.waitForScheduledWork();
    auto accounts = data->getArray("accounts");
    for (size_t i = 0; i < accounts->size(); ++i) {
      auto a = accounts->getObject(static_cast<unsigned>(i));
      std::string key =
          a->getValue<std::string>("role") + "@" + a->getValue<std::string>("academy");
      logins[key] = {a->getValue<std::string>("email"), a->getValue<std::string>("password")};
    }
    auto pupils = data->getArray("pupils");
    for (size_t i = 0; i < pupils->size(); ++i) {
      auto p = pupils->getObject(static_cast<unsigned>(i));
      auto academy = p->getValue<int64_t>("academy_id");
      (academy == firstAcademy() ? ownPupils : foreignPupils).push_back(p->getValue<int64_t>("id"));
    }
  }
  int64_t firstAcademy() const {
    return data->getArray("academies")->getObject(0)->getValue<int64_t>("id");
  }
  static constexpr const char* kOak = "Oakfield Primary Academy";
  static constexpr const char* kHill = "Hillcrest Secondary Academy";

  // Signs in through the real login form; REQUIREs success.
  Client signedIn(const std::string& role, const std::string& academy = kOak) {
    Client c = server.client();
    auto& [email, password] = logins.at(role + "@" + academy);
    auto r = c.login(email, password);
    REQUIRE(r.status == 303);
    return c;
  }
  Client senco() { return signedIn("senco"); }

  // The user id of a demo account (through the JSON login).
  int64_t userId(const std::string& role, const std::string& academy = kOak) {
    Client c = server.client();
    auto& [email, password] = logins.at(role + "@" + academy);
    auto r = c.postJson("POST", "/api/v1/session",
                        "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}", false);
    REQUIRE(r.status == 200);
    return r.json()->getValue<int64_t>("user_id");
  }

  // Demo plans matching a type and/or state, in the given academy ("" for any).
  std::vector<Poco::JSON::Object::Ptr> plans(const std::string& type, const std::string& state,
                                             const std::string& academy = "") {
    std::vector<Poco::JSON::Object::Ptr> out;
    auto arr = data->getArray("plans");
    for (size_t i = 0; arr && i < arr->size(); ++i) {
      auto p = arr->getObject(static_cast<unsigned>(i));
      if ((type.empty() || p->getValue<std::string>("type") == type) &&
          (state.empty() || p->getValue<std::string>("state") == state) &&
          (academy.empty() || p->getValue<std::string>("academy") == academy))
        out.push_back(p);
    }
    return out;
  }

  Server server;
  Poco::JSON::Object::Ptr data;
  std::map<std::string, std::pair<std::string, std::string>> logins;
  std::vector<int64_t> ownPupils, foreignPupils;
};

}  // namespace sendflow::testing
