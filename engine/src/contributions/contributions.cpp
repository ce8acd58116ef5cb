#include "sendflow/engine/contributions/contributions.h"

#include <chrono>

#include "sendflow/engine/core/crypto.h"
#include "sendflow/engine/core/door.h"
#include "sendflow/engine/documents/plan_document.h"
#include "sendflow/engine/forms/form_values.h"
#include "sendflow/engine/people/people.h"

namespace sendflow::engine {
namespace {

std::string valueOf(const Poco::JSON::Object& o, const std::string& field) {
  return o.has(field) ? canonicalJson(o.get(field)) : "null";
}

// The invitation to contribute, as the outbox holds it: the mailer derives the link from the
// salt, so the outbox never holds a usable link.
OutboxMessage inviteMail(const PlanView& v, const Contact& contact, const ContributionLink& link,
                         const std::vector<const SectionDef*>& sections,
                         const std::string& invitedBy, const std::optional<std::string>& academy,
                         TimePoint now) {
  std::string titles;
  for (const auto* s : sections)  // in the contact's language where the form gives it
    titles += (titles.empty() ? "" : "; ") + s->titleIn(contact.language).text;
  Poco::JSON::Object data;
  data.set("plan_id", v.plan.id);
  data.set("plan_title", v.workflow->title);
  data.set("initials", initialsOf(v.pupil.legalName));
  if (academy) data.set("academy", *academy);
  data.set("recipient_name", contact.name);
  data.set("sections", titles);
  data.set("invited_by", invitedBy);
  data.set("expires", ukDateTimeOf(link.expiresAt));
  data.set("expires_at", link.expiresAt);  // for the date and time in the contact's language
  data.set("lang", contact.language);
  data.set("contribute_salt", link.linkSalt);
  OutboxMessage m;
  m.kind = mailkind::kContributeInvite;
  m.key = "contribute:" + std::to_string(v.plan.id) + ":" + std::to_string(contact.id) + ":" +
          std::to_string(link.sends) + ":" + isoTime(now);
  m.academyId = v.plan.academyId;
  m.planId = v.plan.id;
  m.toAddress = contact.email;
  m.toName = contact.name;
  m.data = canonicalJson(data);
  m.createdAt = now;
  m.nextAttemptAt = now;
  return m;
}

}  // namespace

ContributionService::ContributionService(PlanService& plans, ContributionRepository& repo,
                                         PeopleRepository& people, Clock& clock,
                                         RandomSource& random, std::string linkKey, int linkDays)
    : plans_(plans),
      repo_(repo),
      people_(people),
      clock_(clock),
      random_(random),
      linkKey_(std::move(linkKey)),
      linkDays_(linkDays) {}

std::vector<const SectionDef*> ContributionService::sectionsFor(const FormDefinition& form,
                                                                const std::string& kind) {
  std::vector<const SectionDef*> out;
  for (const auto& s : form.sections)
    for (const auto& r : s.roles)
      if (r == kind) out.push_back(&s);
  return out;
}

std::vector<std::pair<Id, std::string>> ContributionService::candidates(const PlanView& v) {
  std::vector<std::pair<Id, std::string>> out;
  for (const auto& c : v.people->contacts) {
    if (!c.active || c.email.empty() || sectionsFor(*v.form, contactKindName(c.kind)).empty())
      continue;
    out.emplace_back(c.id, contactLabel(c));
  }
  return out;
}

std::string ContributionService::displayState(const ContributionLink& l) const {
  if (!l.revokedAt.empty()) return "withdrawn";
  auto exp = parseIsoTime(l.expiresAt);
  if (exp && clock_.now() > *exp) return "expired";
  return l.openedAt.empty() ? "invited" : "opened";
}

std::string ContributionService::linkTokenFor(const std::string& salt) const {
  return linkToken(linkKey_, "contribution", salt);
}

Status ContributionService::invite(const Actor& a, Id planId, Id contactId) {
  auto v = plans_.open(a, planId);
  if (!v) return v.error();
  if (auto st = require(a, Action::kManageContributors, v->plan.academyId, "There is no such plan.",
                        "Only the SENCO can invite people to contribute.");
      !st)
    return st.error();
  if (!v->state->editable)
    return conflict("This plan is " + v->state->shown() +
                    ": contributions can be invited only while it is being written.");
  auto contact = people_.contact(contactId);
  if (!contact || contact->pupilId != v->pupil.id || !contact->active)
    return invalid("Choose who to invite", {{"contact", "Choose one of the pupil's contacts"}});
  if (contact->email.empty())
    return invalid(
        "This contact has no email address",
        {{"contact", contact->name + " has no email address: add one on the pupil's page first"}});
  const std::string kind = contactKindName(contact->kind);
  const auto sections = sectionsFor(*v->form, kind);
  if (sections.empty())
    return invalid("Nothing for this contact to write",
                   {{"contact", "This plan has no section for a " +
                                    contactKindLabel(contact->kind) + " to write"}});

  const TimePoint now = clock_.now();
  ContributionLink link;
  bool resent = false;
  for (const auto& l : repo_.links(planId))
    if (l.contactId == contactId && l.revokedAt.empty()) link = l, resent = true;
  if (!resent) {
    link.planId = planId;
    link.contactId = contactId;
    link.linkSalt = base64Url(random_.bytes(16));
    link.tokenHash = sha256Hex(linkTokenFor(link.linkSalt));
    link.createdBy = auditActor(a);
    link.createdAt = isoTime(now);
  }
  link.kind = kind;
  link.name = contact->name;
  link.email = contact->email;
  link.expiresAt = isoTime(now + std::chrono::hours(24 * linkDays_));
  link.sends += 1;

  std::optional<std::string> academy;
  if (auto ac = people_.academy(v->plan.academyId)) academy = ac->name;
  const OutboxMessage m = inviteMail(*v, *contact, link, sections, a.name, academy, now);

  AuditEvent e{"contribution.invite",
               auditActor(a),
               "plan",
               planId,
               v->plan.academyId,
               detailJson({{"contact", contactId},
                           {"kind", kind},
                           {"expires", link.expiresAt},
                           {"resent", resent}})};
  if (resent) {
    repo_.update(link, {e}, {m});
  } else {
    repo_.create(link, e, {m});
  }
  return Ok{};
}

Status ContributionService::revoke(const Actor& a, Id planId, Id linkId) {
  auto v = plans_.open(a, planId);
  if (!v) return v.error();
  if (auto st = require(a, Action::kManageContributors, v->plan.academyId, "There is no such plan.",
                        "Only the SENCO can withdraw a contribution link.");
      !st)
    return st.error();
  auto l = repo_.link(linkId);
  if (!l || l->planId != planId) return notFound("There is no such contribution link.");
  if (!l->revokedAt.empty()) return Ok{};
  l->revokedAt = isoTime(clock_.now());
  repo_.update(*l,
               {{"contribution.revoke", auditActor(a), "plan", planId, v->plan.academyId,
                 detailJson({{"contact", l->contactId}})}},
               {});
  return Ok{};
}

std::string ContributionService::linkLanguage(const std::string& token) {
  if (token.size() != 43) return "";
  auto l = repo_.byTokenHash(sha256Hex(token));
  if (!l) return "";
  auto contact = people_.contact(l->contactId);
  return contact ? contact->language : std::string();
}

Result<ContributionLink> ContributionService::validLink(const std::string& token) {
  std::optional<ContributionLink> l;
  if (token.size() == 43) l = repo_.byTokenHash(sha256Hex(token));
  if (!l)
    return notFound(
        Text(N_("This link is not valid. Check that you opened the whole link from the email.")));
  if (!l->revokedAt.empty())
    return gone(
        Text(N_("The school has withdrawn this link. Ask the SENCO if you would still "
                "like to contribute.")));
  if (auto exp = parseIsoTime(l->expiresAt); exp && clock_.now() > *exp)
    return gone(Text(N_("This link has expired. Ask the school's SENCO to send you a new one.")));
  auto contact = people_.contact(l->contactId);
  if (!contact || !contact->active)
    return gone(Text(N_("This link no longer works. Please contact the school.")));
  return *l;
}

std::set<std::string> ContributionService::fieldsFor(
    const std::vector<const SectionDef*>& sections) {
  std::set<std::string> out;
  for (const auto* s : sections)
    for (const auto& f : s->fields)
      if (!f.readonly && !f.hidden && f.kind != FieldKind::kComputed) out.insert(f.id);
  return out;
}

Text ContributionService::closedReason(const StateDef& s) {
  return Text(N_("This plan is {{state}} now, so it can no longer be changed here. Thank you for "
                 "your part."),
              {TextArg::formWords("state", s.shown(),
                                  wordsByLanguage(s.translations, &LocalWords::label))});
}

Result<Contribution> ContributionService::open(const std::string& token, const std::string& ip) {
  auto l = validLink(token);
  if (!l) return l.error();
  auto v = plans_.view(l->planId);
  if (!v) return notFound(Text(N_("This link is not valid.")));
  Contribution c;
  c.link = *l;
  c.plan = std::move(v.value());
  c.sections = sectionsFor(*c.plan.form, l->kind);
  c.fields = fieldsFor(c.sections);
  c.editable = c.plan.state->editable;
  if (!c.editable) c.reason = closedReason(*c.plan.state);
  if (!ip.empty()) {
    const Id academy = c.plan.plan.academyId;
    if (l->openedAt.empty()) {
      c.link.openedAt = isoTime(clock_.now());
      repo_.update(c.link,
                   {{"contribution.opened", c.ref(), "plan", l->planId, academy,
                     detailJson({{"door", doorName(Door::kContributorLink)}, {"ip", ip}})}},
                   {});
    } else {
      repo_.appendAudit({"plan.view", c.ref(), "plan", l->planId, academy,
                         detailJson({{"door", doorName(Door::kContributorLink)},
                                     {"version", c.plan.plan.currentVersion},
                                     {"ip", ip}})});
    }
  }
  return c;
}

Result<SaveOutcome> ContributionService::save(const std::string& token, int baseVersion,
                                              const Poco::JSON::Object& values) {
  auto c = open(token);
  if (!c) return c.error();
  if (!c->editable) return conflict(c->reason);
  const PlanView& v = c->plan;
  const int current = v.plan.currentVersion;
  if (baseVersion != current) {
    auto base = plans_.view(v.plan.id, baseVersion);
    if (!base)
      return Error{ErrorCode::kBadRequest,
                   "The form names a version this plan does not have. Reload the page.",
                   {}};
    std::vector<FieldError> clashes;
    for (const auto& ch : diffValues(*v.form, *base->values, *v.values)) {
      const std::string top = ch.field.substr(0, ch.field.find_first_of("[."));
      if (!c->fields.count(top) || valueOf(values, top) == valueOf(*v.values, top)) continue;
      clashes.push_back({ch.field, ch.label + ": “" + ch.before + "” → “" + ch.after + "”"});
    }
    if (!clashes.empty())
      return errorOf(ErrorCode::kConflict,
                     Text(N_("Someone else changed your part of the plan after you opened it. Your "
                             "answers are kept below: check what changed, then save again.")),
                     clashes);
  }
  Poco::JSON::Object merged(*v.values);
  for (const auto& f : c->fields) {
    if (values.has(f) && !values.get(f).isEmpty()) {
      merged.set(f, values.get(f));
    } else {
      merged.remove(f);
    }
  }
  return plans_.saveAs(c->ref(), c->link.name, v.plan.id, current, merged);
}

LiveEditor ContributionService::liveEditor(const std::string& token, const Contribution& c) {
  // Asked at least every 2 s while they edit: the link and the plan's row, not the whole plan.
  auto rights = [this, token]() -> Result<EditRights> {
    auto l = validLink(token);
    if (!l) return l.error();
    auto rec = plans_.record(l->planId);
    if (!rec) return notFound(Text(N_("This link is not valid.")));
    const StateDef* state = plans_.workflowSnapshot(rec->workflowSnapshotId)->state(rec->state);
    if (!state) throw InfraError("plan " + std::to_string(l->planId) + " is in an unknown state");
    return EditRights{state->editable, state->editable ? Text() : closedReason(*state),
                      fieldsFor(sectionsFor(*plans_.formSnapshot(rec->formSnapshotId), l->kind))};
  };
  return LiveEditor{c.ref(), c.link.name, rights, {}};
}

}  // namespace sendflow::engine
