// Mail pages: the trust admin's outbox (status, server replies, retry, test email) and the
// governors' read-only reviews overview with its 12-month timeline.
#include <Poco/JSON/Parser.h>

#include <sstream>

#include "app/services.h"
#include "mail/mail.h"
#include "pages/routes.h"
#include "sendflow/engine/core/email_address.h"
#include "sendflow/engine/core/text.h"

namespace sendflow::web {
namespace {

const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
const char* kMonthNames[] = {"January", "February", "March",     "April",   "May",      "June",
                             "July",    "August",   "September", "October", "November", "December"};

std::string when(engine::TimePoint t) { return engine::toUnix(t) ? engine::ukDateTime(t) : ""; }

// `typed`: the test address as the admin typed it, shown again when it was refused.
void mailPage(Exchange& ex, const std::string& flash, bool flashOk, int status,
              const std::string& typed = "") {
  if (!engine::may(ex.actor(), engine::Action::kManageMail, 0))
    return ex.error(403, "Only a trust admin can see the outbox.");
  auto& mail = ex.services.mail();
  const auto& s = mail.settings();
  Data d;
  if (auto notice = mail.noServerNotice(); !notice.empty()) d.set("no_server", notice);
  d.set("configured", s.serverConfigured);
  d.set("demo", mail.demoMailbox() != nullptr);
  d.set("host", s.host);
  d.set("port", std::to_string(s.port));
  d.set("tls", s.tls);
  d.set("auth", s.user.empty() ? std::string("none") : "as " + s.user);
  d.set("from", s.from);
  d.set("test_to", typed.empty() ? ex.actor().email : typed);
  if (!flash.empty()) {
    d.set("flash", flash);
    d.set(flashOk ? "flash_ok" : "flash_error", true);
  }
  auto c = ex.services.mail().counts();
  d.set("queued", std::to_string(c.queued));
  d.set("sending", std::to_string(c.sending));
  d.set("sent", std::to_string(c.sent));
  d.set("retrying", std::to_string(c.retrying));
  d.set("failed", std::to_string(c.failed));
  d.set("uncertain", std::to_string(c.uncertain));
  d.set("uncertain_lead",
        engine::countOf(c.uncertain, "message is uncertain", "messages are uncertain"));
  d.set("has_uncertain", c.uncertain > 0);
  std::string filter = ex.query("status");
  if (!engine::parseOutboxStatus(filter)) filter.clear();
  d.set("filter", filter);
  Data rows = list();
  for (const auto& m : ex.services.mail().list(filter, 200)) {
    Data r;
    r.set("id", std::to_string(m.id));
    r.set("created", when(m.createdAt));
    r.set("kind", m.kind);
    r.set("to", m.toAddress);
    try {
      r.set("subject", mail.subject(m));
    } catch (const std::exception&) {
      r.set("subject", "(cannot render)");
    }
    r.set("status", engine::outboxStatusName(m.status));
    r.set("attempts", std::to_string(m.attempts));
    r.set("reply", m.serverReply);
    r.set("error", m.lastError);
    if (m.status == engine::OutboxStatus::kRetrying) r.set("next", when(m.nextAttemptAt));
    if (m.status == engine::OutboxStatus::kSent) r.set("sent_at", when(m.sentAt));
    r.set("can_retry",
          m.status == engine::OutboxStatus::kFailed || m.status == engine::OutboxStatus::kRetrying);
    r.set("can_resend", m.status == engine::OutboxStatus::kUncertain);
    r.set("colour", m.status == engine::OutboxStatus::kSent        ? "green"
                    : m.status == engine::OutboxStatus::kFailed    ? "red"
                    : m.status == engine::OutboxStatus::kRetrying  ? "amber"
                    : m.status == engine::OutboxStatus::kUncertain ? "amber"
                                                                   : "blue");
    rows.push_back(r);
  }
  d.set("rows", rows);
  d.set("has_rows", !ex.services.mail().list(filter, 1).empty());
  ex.html(status, ex.services.views().page(ex, "mail_admin", d, "Mail"));
}

// Academies the actor may oversee (view_overview, engine/access.h).
std::vector<engine::Academy> overseen(Exchange& ex) {
  std::vector<engine::Academy> out;
  for (const auto& a : ex.services.people().academiesOf(ex.actor()))
    if (engine::may(ex.actor(), engine::Action::kViewOverview, a.id)) out.push_back(a);
  return out;
}

// `linkPlans`: the actor may open the plans (a governor sees initials and dates, no link).
Data itemsData(const std::vector<engine::OversightItem>& items, bool linkPlans) {
  Data out = list();
  for (const auto& i : items) {
    Data d;
    if (linkPlans) d.set("plan_link", "/plans/" + std::to_string(i.planId));
    d.set("initials", i.initials);
    d.set("plan_title", i.planTitle);
    d.set("what", i.what);
    d.set("due_uk", engine::ukDate(i.due));
    d.set("when", i.daysToGo < 0 ? "Overdue by " + std::to_string(-i.daysToGo) +
                                       (i.daysToGo == -1 ? " day" : " days")
                  : i.daysToGo == 0
                      ? std::string("Today")
                      : "In " + std::to_string(i.daysToGo) + (i.daysToGo == 1 ? " day" : " days"));
    d.set("overdue", i.daysToGo < 0);
    out.push_back(d);
  }
  return out;
}

// Grouped bar chart; presentation attributes only (the CSP forbids style attributes).
std::string timelineSvg(const engine::Oversight& o) {
  int most = 1;
  for (const auto& m : o.months) most = std::max({most, m.reviews, m.deadlines});
  // Whole-number ticks, each shown once: a step of one up to four, then the smallest whole step
  // that reaches the largest count in at most four steps; the axis ends on the last tick.
  const int step = (most + 3) / 4;
  const int ticks = (most + step - 1) / step;
  const int top = step * ticks;
  const int w = 720, h = 260, left = 40, bottom = 40, plotH = h - bottom - 20;
  const int slot = (w - left - 10) / 12;
  std::ostringstream s;
  std::string desc;
  for (const auto& m : o.months) {
    if (!desc.empty()) desc += "; ";
    desc += std::string(kMonths[static_cast<unsigned>(m.first.month()) - 1]) + " " +
            std::to_string(static_cast<int>(m.first.year())) + ": " +
            engine::countOf(m.reviews, "review", "reviews") + ", " +
            engine::countOf(m.deadlines, "deadline", "deadlines");
  }
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" viewBox=\"0 0 " << w << " "
    << h << "\" role=\"img\" aria-labelledby=\"timeline-title timeline-desc\">"
    << "<title id=\"timeline-title\">Review dates and EHCP deadlines per month, next 12 "
       "months</title>"
    << "<desc id=\"timeline-desc\">" << desc << ". The same figures are in the table below.</desc>";
  s << "<line x1=\"" << left << "\" y1=\"" << (h - bottom) << "\" x2=\"" << (w - 5) << "\" y2=\""
    << (h - bottom) << "\" stroke=\"#505a5f\" stroke-width=\"1\"/>";
  for (int tick = 0; tick <= ticks; ++tick) {
    int value = step * tick;
    int y = h - bottom - plotH * tick / ticks;
    s << "<text x=\"" << (left - 6) << "\" y=\"" << (y + 4)
      << "\" text-anchor=\"end\" font-size=\"11\" fill=\"#0b0c0c\">" << value << "</text>";
  }
  for (size_t i = 0; i < o.months.size(); ++i) {
    const auto& m = o.months[i];
    int x = left + static_cast<int>(i) * slot + 6;
    int bw = (slot - 14) / 2;
    int rh = plotH * m.reviews / top, dh = plotH * m.deadlines / top;
    s << "<rect x=\"" << x << "\" y=\"" << (h - bottom - rh) << "\" width=\"" << bw
      << "\" height=\"" << rh << "\" fill=\"#1d70b8\"/>";
    s << "<rect x=\"" << (x + bw + 2) << "\" y=\"" << (h - bottom - dh) << "\" width=\"" << bw
      << "\" height=\"" << dh << "\" fill=\"#d4351c\"/>";
    s << "<text x=\"" << (x + bw) << "\" y=\"" << (h - bottom + 16)
      << "\" text-anchor=\"middle\" font-size=\"11\" fill=\"#0b0c0c\">"
      << kMonths[static_cast<unsigned>(m.first.month()) - 1] << "</text>";
  }
  s << "<rect x=\"" << left << "\" y=\"" << (h - 14)
    << "\" width=\"10\" height=\"10\" fill=\"#1d70b8\"/>"
    << "<text x=\"" << (left + 14) << "\" y=\"" << (h - 5)
    << "\" font-size=\"11\" fill=\"#0b0c0c\">Review dates</text>"
    << "<rect x=\"" << (left + 110) << "\" y=\"" << (h - 14)
    << "\" width=\"10\" height=\"10\" fill=\"#d4351c\"/>"
    << "<text x=\"" << (left + 124) << "\" y=\"" << (h - 5)
    << "\" font-size=\"11\" fill=\"#0b0c0c\">EHCP deadlines</text>";
  s << "</svg>";
  return s.str();
}

void governorPage(Exchange& ex) {
  auto academies = overseen(ex);
  if (academies.empty())
    return ex.error(403, "The reviews overview is for governors, SENCOs, heads and trust admins.");
  engine::Id chosen = academies.front().id;
  if (auto q = ex.query("academy"); !q.empty()) {
    for (const auto& a : academies)
      if (std::to_string(a.id) == q) chosen = a.id;
  }
  const auto today = engine::dateOf(ex.services.clock().now());
  auto o = ex.services.reminders().oversight(chosen, today, true);
  Data d;
  d.set("academy", o.academyName);
  d.set("today", engine::ukDate(today));
  Data choices = list();
  for (const auto& a : academies) {
    Data c;
    c.set("id", std::to_string(a.id));
    c.set("name", a.name);
    c.set("selected", a.id == chosen);
    choices.push_back(c);
  }
  d.set("academies", choices);
  d.set("many_academies", academies.size() > 1);
  const bool linkPlans = engine::may(ex.actor(), engine::Action::kViewPlan, chosen);
  d.set("overdue", itemsData(o.overdue, linkPlans));
  d.set("due", itemsData(o.dueSoon, linkPlans));
  d.set("deadlines", itemsData(o.deadlines, linkPlans));
  d.set("has_overdue", !o.overdue.empty());
  d.set("has_due", !o.dueSoon.empty());
  d.set("has_deadlines", !o.deadlines.empty());
  d.set("overdue_count", std::to_string(o.overdue.size()));
  d.set("due_count", std::to_string(o.dueSoon.size()));
  d.set("deadline_count", std::to_string(o.deadlines.size()));
  d.set("horizon", std::to_string(ex.services.reminders().settings().digestHorizonDays));
  d.set("svg", timelineSvg(o));
  Data months = list();
  for (const auto& m : o.months) {
    Data r;
    r.set("month", std::string(kMonthNames[static_cast<unsigned>(m.first.month()) - 1]) + " " +
                       std::to_string(static_cast<int>(m.first.year())));
    r.set("reviews", std::to_string(m.reviews));
    r.set("deadlines", std::to_string(m.deadlines));
    months.push_back(r);
  }
  d.set("months", months);
  ex.html(200, ex.services.views().page(ex, "governor", d, "Reviews overview"));
}

}  // namespace

void registerMailRoutes(Router& router) {
  auto& r = router;
  r.add("GET", "/admin/mail", engine::Action::kManageMail,
        [](Exchange& ex) { mailPage(ex, "", true, 200); });
  r.add("POST", "/admin/mail/test", engine::Action::kManageMail, [](Exchange& ex) {
    if (!engine::may(ex.actor(), engine::Action::kManageMail, 0))
      return ex.error(403, "Only a trust admin can send a test email.");
    const std::string typed = engine::trimmed(ex.form().get("to", ""));
    auto to = engine::parseEmailAddress(typed);
    if (!to)
      return mailPage(ex, "Nothing was sent. " + to.error().message + ".", false, 422, typed);
    auto out = ex.services.mail().sendTest(*to);
    if (out.kind == SmtpOutcome::Kind::kSent)
      return mailPage(
          ex,
          "Test email to " + to->str() + " accepted by the mail server, which said: " + out.reply,
          true, 200);
    mailPage(ex, "Test email to " + to->str() + " was not sent: " + out.reply, false, 200);
  });
  r.add("POST", "/admin/mail/{id}/retry", engine::Action::kManageMail, [](Exchange& ex) {
    if (!engine::may(ex.actor(), engine::Action::kManageMail, 0))
      return ex.error(403, "Only a trust admin can retry a message.");
    auto id = ex.idParam("id");
    if (!id || !ex.services.mail().retry(*id))
      return ex.error(409, "That message is not waiting for a retry.");
    ex.services.mail().wake();
    ex.redirect("/admin/mail");
  });
  // An uncertain message (handed over, no reply) sent again at the admin's word: audited.
  r.add("POST", "/admin/mail/{id}/resend", engine::Action::kManageMail, [](Exchange& ex) {
    if (!engine::may(ex.actor(), engine::Action::kManageMail, 0))
      return ex.error(403, "Only a trust admin can send a message again.");
    auto id = ex.idParam("id");
    if (!id || !ex.services.mail().resendUncertain(ex.actor(), *id))
      return ex.error(409, "That message is not uncertain (it may have been sent again already).");
    ex.services.mail().wake();
    ex.redirect("/admin/mail");
  });
  r.add("GET", "/governor", engine::Action::kViewOverview, governorPage);
}

}  // namespace sendflow::web
