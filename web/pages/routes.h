// Route registration per area, and the view-model helpers the pages share.
#pragma once

#include "pages/views.h"
#include "sendflow/engine/core/error.h"
#include "sendflow/engine/people/model.h"
#include "sendflow/engine/plans/schedule.h"

namespace sendflow::web {

class Router;
class Services;
class Exchange;

void registerPeopleRoutes(Router& router);
void registerAdminRoutes(Router& router);
void registerApiRoutes(Router& router);
void registerStaticRoutes(Router& router);
void registerPlanRoutes(Router& router);
void registerPlanApiRoutes(Router& router);
// The demo mailbox pages (routes_demo.cpp): registered by the composition root on a demo server
// (demo.mailbox=true) only, so a real server has no such path at all (404).
void registerDemoMailboxRoutes(Router& router);

Data pupilData(const engine::Pupil& p);
Data contactData(const engine::Contact& c);
Data yearGroupOptions(const std::string& selected);
Data contactKindOptions(const std::string& selected);
// Sets "errors" (the summary list) and "<field>_error" for each field error; with `english`
// (Exchange::translated), "<field>_error_en" and the summary's "message_en" for those in English.
void addErrors(Data& d, const engine::Error& e, const std::set<std::string>* english = nullptr);
// A stale form (409): "conflict", "conflict_message" and "changes" (what changed meanwhile), in
// place of the error summary.
void addConflict(Data& d, const engine::Error& e);
// Review-date status for lists and the plan page ("Overdue by 3 days").
void addReviewStatus(Data& d, const std::optional<std::string>& reviewDate, engine::Date today);
Data deadlineData(const std::vector<engine::DeadlineItem>& items);
// Sets "plans" (open plans, overdue first, with review status and next deadline), "closed_plans"
// and "plan_counts" for the actor's academies, or for one pupil when pupilId is not 0.
void addPlanLists(Exchange& ex, Data& d, engine::Id pupilId);

}  // namespace sendflow::web
