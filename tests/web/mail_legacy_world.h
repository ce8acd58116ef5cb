// The demo trust in process, sending to a real SMTP server, whose staff, contact and academy
// names (and the names on its open signature requests) were stored before input was checked:
// each ends in CR LF + "Bcc: x@evil.test", written straight into the database as a legacy row
// would be. Helpers drive the flows that email those people: sign-off with the emailed code,
// contributions, reviews and reminders.
#pragma once

#include <Poco/JSON/Parser.h>

#include <cstdlib>
#include <memory>
#include <set>
#include <sstream>
#include <string>

#include "app/app.h"
#include "app/config.h"
#include "cli/demo.h"
#include "mail/mail.h"
#include "sendflow/engine/forms/sample_values.h"
#include "sendflow/engine/plans/lifecycle.h"
#include "sendflow/storage/database.h"
#include "support/temp_dir.h"
#include "test_settings.h"

namespace sendflow::testing {

inline constexpr const char* kInjected = "\r\nBcc: x@evil.test";

struct LegacyMailWorld {
  TempDir home;
  engine::FixedClock clock{engine::fromUnix(1780000000)};  // 2026-05-28
  std::unique_ptr<web::App> app;
  engine::Actor senco;

  explicit LegacyMailWorld(int smtpPort) {
    web::Settings settings = settingsFor(home.path(), {{"smtp.host", "127.0.0.1"},
                                                       {"smtp.port", std::to_string(smtpPort)},
                                                       {"smtp.tls", "none"},
                                                       {"mail.from", "SEND team <send@trust.test>"},
                                                       {"base_url", "https://send.trust.test"}});
    settings.signing.requireCode = true;
    app = std::make_unique<web::App>(std::move(settings), clock,
                                     Poco::Logger::get("mail-legacy-test"), false);
    std::ostringstream out;
    web::runDemo(*app, clock, true, out);
    app->store().write([&](storage::Database& db) {
      storage::Statement(db, "DELETE FROM outbox").run();  // the demo's own mail is not under test
      for (const char* sql :
           {"UPDATE user SET name = name || ?", "UPDATE contact SET name = name || ?",
            "UPDATE academy SET name = name || ?", "UPDATE signature_request SET name = name || ?"})
        storage::Statement(db, sql).bind(1, kInjected).run();
    });
    senco = actor("senco@oakfield.example");
  }
  ~LegacyMailWorld() { app.reset(); }

  engine::Actor actor(const std::string& email) {
    return app->auth().actorFor(*app->peopleRepository().userByEmail(email));
  }
  engine::SignatureService& sig() { return app->signatures(); }

  // Everyone mail may go to: address → name as stored.
  std::map<std::string, std::string> people() {
    std::map<std::string, std::string> out;
    app->store().write([&](storage::Database& db) {
      for (const char* sql : {"SELECT email, name FROM user", "SELECT email, name FROM contact"}) {
        storage::Statement st(db, sql);
        while (st.step()) out[st.getText(0)] = st.getText(1);
      }
    });
    return out;
  }

  engine::Pupil pupil(size_t index) {
    auto ps =
        app->peopleRepository().pupils({{senco.memberships.front().academyId}, "", false, 100});
    std::sort(ps.begin(), ps.end(), [](auto& a, auto& b) { return a.id < b.id; });
    return ps.at(index);
  }

  engine::Id launchFilled(const std::string& type, const engine::Pupil& p) {
    auto id = app->plans().launch(senco, p.id, type);
    REQUIRE(id);
    auto v = app->plans().open(senco, *id);
    auto values =
        engine::sampleValues(*v->form, *v->values, v->pupil, engine::dateOf(clock.now()),
                             {"user:" + std::to_string(senco.userId), {"review_date"}, {}});
    REQUIRE(app->plans().save(senco, *id, 1, *values));
    return *id;
  }

  // Launched, filled, every required signer assigned, sent: the invitations are queued.
  engine::Id sentForSignature(const std::string& type, const engine::Pupil& p) {
    const engine::Id id = launchFilled(type, p);
    auto view = app->plans().open(senco, id);
    std::set<std::string> involved;
    for (const auto& c : app->peopleRepository().contacts(p.id))
      involved.insert(engine::contactKindName(c.kind));
    for (const auto* slot : engine::requiredSigners(*view->workflow, involved)) {
      auto candidates = app->plans().signerCandidates(*view, *slot);
      REQUIRE_FALSE(candidates.empty());
      REQUIRE(app->plans().assignSigners(senco, id, slot->role, {candidates.front().ref}));
    }
    REQUIRE(app->plans().fire(senco, id, "send_for_signature", {}));
    return id;
  }

  std::string mailData(engine::Id planId, const char* kind, const std::string& email,
                       const std::string& key) {
    for (const auto& m : app->outbox().list("", 5000)) {
      if (m.planId != planId || m.kind != kind || m.toAddress != email) continue;
      return Poco::JSON::Parser()
          .parse(m.data)
          .extract<Poco::JSON::Object::Ptr>()
          ->optValue<std::string>(key, "");
    }
    return "";
  }

  // Signs every live required request, in turn; contacts ask for and enter the emailed code.
  void signAll(engine::Id planId) {
    const engine::SignInput typed{true, "typed", "Signer", "", "203.0.113.9", "test agent"};
    for (int round = 0; round < 12; ++round) {
      const auto all = sig().requests(planId);
      auto next = std::find_if(all.begin(), all.end(), [](const engine::SignatureRequest& r) {
        return (r.state == "invited" || r.state == "opened") && r.required && !r.lastSentAt.empty();
      });
      if (next == all.end()) return;
      const auto& r = *next;
      if (r.personRef.rfind("user:", 0) == 0) {
        auto staff = app->auth().actorFor(
            *app->peopleRepository().userById(std::stoll(r.personRef.substr(5))));
        REQUIRE(sig().sign({"", &staff, r.id}, typed));
        continue;
      }
      const std::string salt =
          mailData(planId, engine::mailkind::kSignInvite, r.email, "link_salt");
      engine::SignerAccess who{sig().linkTokenFor(salt), nullptr, 0};
      REQUIRE(sig().sendCode(who));
      REQUIRE(sig().checkCode(who, mailData(planId, engine::mailkind::kSignCode, r.email, "code")));
      REQUIRE(sig().sign(who, typed));
    }
  }
};

}  // namespace sendflow::testing
