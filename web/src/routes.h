// Route registration per area, and the view-model helpers the pages share.
#pragma once

#include "sendflow/engine/error.h"
#include "sendflow/engine/model.h"
#include "sendflow/web/views.h"

namespace sendflow::web {

class App;

void registerPeopleRoutes(App& app);
void registerAdminRoutes(App& app);
void registerApiRoutes(App& app);
void registerStaticRoutes(App& app);

Data pupilData(const engine::Pupil& p);
Data contactData(const engine::Contact& c);
Data yearGroupOptions(const std::string& selected);
Data contactKindOptions(const std::string& selected);
// Sets "errors" (the summary list) and "<field>_error" for each field error.
void addErrors(Data& d, const engine::Error& e);

}  // namespace sendflow::web
