#include "sendflow/web/app.h"

#include <Poco/File.h>

namespace sendflow::web {
namespace {

const std::string& ensureHome(const Settings& s) {
  Poco::File(s.home).createDirectories();
  return s.databasePath;
}

}  // namespace

App::App(Settings s, engine::Clock& c, Poco::Logger& l, bool withViews)
    : settings(std::move(s)),
      clock(c),
      log(l),
      definitions(engine::DefinitionRegistry::load(settings.formsDir, settings.workflowsDir)),
      store(ensureHome(settings), clock),
      people(store),
      sessions(store),
      audit(store),
      planRepository(store),
      auth(people, sessions, clock, random),
      peopleService(people, clock, random),
      planService(planRepository, people, definitions, clock) {
  store.migrate();
  if (withViews) {
    views = std::make_unique<Views>(settings.webRoot + "/templates");
    registerRoutes(*this);
  }
}

}  // namespace sendflow::web
