// The composition root: real implementations wired together once, shared by the server and
// the CLI. Thread-safe after construction.
#pragma once

#include <Poco/Logger.h>

#include <memory>

#include "sendflow/engine/auth.h"
#include "sendflow/engine/clock.h"
#include "sendflow/engine/crypto.h"
#include "sendflow/engine/people.h"
#include "sendflow/storage/repositories.h"
#include "sendflow/storage/store.h"
#include "sendflow/web/config.h"
#include "sendflow/web/http.h"
#include "sendflow/web/views.h"

namespace sendflow::web {

class App {
 public:
  // Opens the database (creating SENDFLOW_HOME), applies pending migrations, loads templates.
  App(Settings settings, engine::Clock& clock, Poco::Logger& log, bool withViews = true);

  const Settings settings;
  engine::Clock& clock;
  Poco::Logger& log;
  engine::SystemRandom random;
  storage::Store store;
  storage::SqlitePeopleRepository people;
  storage::SqliteSessionRepository sessions;
  storage::SqliteAuditLog audit;
  engine::AuthService auth;
  engine::PeopleService peopleService;
  std::unique_ptr<Views> views;
  Router router;
};

// Registers every route of the application.
void registerRoutes(App& app);

}  // namespace sendflow::web
