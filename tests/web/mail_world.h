// An in-process sendflow (App on a temporary SENDFLOW_HOME, fixed clock) with one academy, its
// SENCO, a teacher who owns plans, a governor, and helpers to add plans in a given state.
#pragma once

#include <Poco/Logger.h>

#include <memory>
#include <string>

#include "app/app.h"
#include "app/config.h"
#include "mail/mail.h"
#include "sendflow/engine/core/crypto.h"
#include "sendflow/engine/forms/form_values.h"
#include "support/temp_dir.h"
#include "test_settings.h"

namespace sendflow::testing {

inline engine::Date day(const char* iso) { return *engine::parseIsoDate(iso); }
inline engine::Date plus(engine::Date d, int n) {
  return engine::Date{std::chrono::sys_days{d} + std::chrono::days{n}};
}

struct MailWorld {
  explicit MailWorld(engine::Date today, int smtpPort = 1,
                     const std::string& digestWeekday = "monday")
      : clock(engine::startOf(today) + std::chrono::hours(7)),
        keys{{"smtp.host", "127.0.0.1"},
             {"smtp.port", std::to_string(smtpPort)},
             {"smtp.tls", "none"},
             {"smtp.timeout_seconds", "5"},
             {"mail.from", "SEND team <send@trust.test>"},
             {"base_url", "https://send.trust.test"},
             {"reminders.digest_weekday", digestWeekday}},
        settings(settingsFor(home.path(), keys)) {
    app = std::make_unique<web::App>(settings, clock, Poco::Logger::get("mail-test"), false);
    const engine::AuditEvent audit{"test", "system", "", 0, 0, "{}"};
    academy = app->peopleRepository().createAcademy("Oakfield Primary", audit);
    senco = addUser("senco@oak.test", "Siobhán Senco", engine::Role::kSenco);
    owner = addUser("teacher@oak.test", "Tom Teacher", engine::Role::kStaff);
    governor = addUser("governor@oak.test", "Greta Governor", engine::Role::kGovernor);
    engine::Pupil p;
    p.academyId = academy;
    p.legalName = "Łukasz Nowak";
    p.dateOfBirth = "2015-05-14";
    p.yearGroup = "5";
    pupil = app->peopleRepository().createPupil(p, audit);
  }
  ~MailWorld() { app.reset(); }

  engine::Id addUser(const std::string& email, const std::string& name, engine::Role role) {
    engine::User u{0, email, name, "x", true, {{academy, role}}};
    return app->peopleRepository().createUser(u, {"test", "system", "user", 0, 0, "{}"});
  }

  // A plan of `type` in `state` with a review date (empty: none) and current values.
  engine::Id addPlan(const std::string& type, const std::string& state,
                     const std::string& reviewDate, const std::string& valuesJson = "{}") {
    const auto* wf = app->definitions().workflow(type);
    const auto* form = app->definitions().formFor(*wf);
    engine::PlanRecord r;
    r.academyId = academy;
    r.pupilId = pupil;
    r.type = type;
    r.state = state;
    r.ownerUserId = owner;
    r.formSnapshotId =
        app->planRepository().snapshot("form", form->type, form->version, form->sourceJson);
    r.workflowSnapshotId =
        app->planRepository().snapshot("workflow", wf->type, wf->version, wf->sourceJson);
    r.currentVersion = 1;
    if (!reviewDate.empty()) r.reviewDate = reviewDate;
    auto values = engine::parseValues(valuesJson).value();
    engine::PlanVersionRecord v{
        0, 1, engine::canonicalJson(*values), engine::contentHash(*values), "system", "test", ""};
    return app->planRepository().create(r, v, {"plan.launch", "system", "plan", 0, academy, "{}"});
  }

  engine::Actor sencoActor() {
    engine::Actor a;
    a.userId = senco;
    a.email = "senco@oak.test";
    a.name = "Siobhán Senco";
    a.memberships = {{academy, engine::Role::kSenco}};
    return a;
  }

  void setDay(engine::Date d) { clock.set(engine::startOf(d) + std::chrono::hours(7)); }

  TempDir home;
  engine::FixedClock clock;
  ConfigKeys keys;  // the configuration the App was given (a serve process can be given it too)
  web::Settings settings;
  std::unique_ptr<web::App> app;
  engine::Id academy = 0, senco = 0, owner = 0, governor = 0, pupil = 0;
};

}  // namespace sendflow::testing
