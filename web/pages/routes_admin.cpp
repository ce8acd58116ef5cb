// Trust admin pages: staff users and their roles per academy.
#include "app/services.h"
#include "pages/routes.h"
#include "sendflow/engine/core/text.h"

namespace sendflow::web {
namespace {

bool requireAdmin(Exchange& ex) {
  if (engine::may(ex.actor(), engine::Action::kManageUsers, 0)) return true;
  ex.error(403, "Only a trust admin can manage users.");
  return false;
}

// Role checkboxes are named "role_<academy id>_<role>"; "trust_admin" for the trust-wide role.
std::vector<engine::Membership> membershipsFrom(const Poco::Net::HTMLForm& f,
                                                const std::vector<engine::Academy>& academies) {
  std::vector<engine::Membership> out;
  for (const auto& a : academies)
    for (auto r : engine::academyRoles())
      if (f.has("role_" + std::to_string(a.id) + "_" + engine::roleName(r)))
        out.push_back({a.id, r});
  if (f.has("trust_admin")) out.push_back({0, engine::Role::kTrustAdmin});
  return out;
}

void userForm(Exchange& ex, int status, const engine::UserInput& in, engine::Id userId,
              const engine::Error* err) {
  Data d;
  d.set("email", in.email);
  d.set("name", in.name);
  d.set("active", in.active);
  d.set("editing", userId != 0);
  d.set("action", userId ? "/admin/users/" + std::to_string(userId) : "/admin/users");
  Data academies = list();
  for (const auto& a : ex.services.people().academiesOf(ex.actor())) {
    Data ad;
    ad.set("name", a.name);
    Data roles = list();
    for (auto r : engine::academyRoles()) {
      Data rd;
      rd.set("name", "role_" + std::to_string(a.id) + "_" + engine::roleName(r));
      rd.set("label", engine::roleLabel(r));
      engine::Membership m{a.id, r};
      rd.set("checked",
             std::find(in.memberships.begin(), in.memberships.end(), m) != in.memberships.end());
      roles.push_back(rd);
    }
    ad.set("roles", roles);
    academies.push_back(ad);
  }
  d.set("academies", academies);
  d.set("trust_admin",
        std::find(in.memberships.begin(), in.memberships.end(),
                  engine::Membership{0, engine::Role::kTrustAdmin}) != in.memberships.end());
  if (err) addErrors(d, *err);
  ex.html(status,
          ex.services.views().page(ex, "user_form", d, userId ? "Edit user" : "Add a user"));
}

// The server's checks as the trust admin reads them (the same report as /healthz).
Data healthList(const HealthReport& report) {
  Data out = list();
  for (const auto& c : report.checks) {
    Data cd;
    std::string name = c.name;
    name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
    cd.set("name", name);
    cd.set("message", c.message);
    cd.set("ok", c.level == HealthLevel::kOk);
    out.push_back(cd);
  }
  return out;
}

void usersPage(Exchange& ex) {
  if (!requireAdmin(ex)) return;
  std::map<engine::Id, std::string> academyNames;
  for (const auto& a : ex.services.people().academiesOf(ex.actor())) academyNames[a.id] = a.name;
  Data users = list();
  for (const auto& u : ex.services.people().users(ex.actor())) {
    Data ud;
    ud.set("id", std::to_string(u.id));
    ud.set("name", u.name);
    ud.set("email", u.email);
    ud.set("active", u.active);
    std::string roles;
    for (const auto& m : u.memberships) {
      if (!roles.empty()) roles += "; ";
      roles += engine::roleLabel(m.role);
      if (m.academyId) roles += " at " + academyNames[m.academyId];
    }
    ud.set("roles", roles);
    users.push_back(ud);
  }
  Data d;
  d.set("users", users);
  if (!ex.services.sealKeyNotice().empty()) d.set("seal_notice", ex.services.sealKeyNotice());
  d.set("health", healthList(ex.services.health()));
  ex.html(200, ex.services.views().page(ex, "users", d, "Users"));
}

engine::UserInput userInput(Exchange& ex) {
  const auto& f = ex.form();
  return {engine::trimmed(f.get("email", "")), f.get("name", ""), f.get("password", ""),
          membershipsFrom(f, ex.services.people().academiesOf(ex.actor())),
          f.get("active", "1") == "1"};
}

}  // namespace

void registerAdminRoutes(Router& router) {
  auto& r = router;
  r.add("GET", "/admin/users", engine::Action::kManageUsers, usersPage);
  r.add("GET", "/admin/users/new", engine::Action::kManageUsers, [](Exchange& ex) {
    if (requireAdmin(ex)) userForm(ex, 200, {}, 0, nullptr);
  });
  r.add("POST", "/admin/users", engine::Action::kManageUsers, [](Exchange& ex) {
    if (!requireAdmin(ex)) return;
    auto in = userInput(ex);
    auto res = ex.services.people().createUser(ex.actor(), in);
    if (!res) {
      in.password.clear();
      if (res.error().code == engine::ErrorCode::kInvalid)
        return userForm(ex, 422, in, 0, &res.error());
      return ex.error(res.error());
    }
    ex.redirect("/admin/users");
  });
  r.add("GET", "/admin/users/{id}", engine::Action::kManageUsers, [](Exchange& ex) {
    if (!requireAdmin(ex)) return;
    auto id = ex.idParam("id");
    auto u = id ? ex.services.people().user(ex.actor(), *id)
                : engine::Result<engine::User>(engine::notFound("There is no such user."));
    if (!u) return ex.error(u.error());
    userForm(ex, 200, {u->email, u->name, "", u->memberships, u->active}, u->id, nullptr);
  });
  r.add("POST", "/admin/users/{id}", engine::Action::kManageUsers, [](Exchange& ex) {
    if (!requireAdmin(ex)) return;
    auto id = ex.idParam("id");
    if (!id) return ex.error(404, "There is no such user.");
    auto in = userInput(ex);
    auto res = ex.services.people().updateUser(ex.actor(), *id, in);
    if (!res) {
      in.password.clear();
      if (res.error().code == engine::ErrorCode::kInvalid)
        return userForm(ex, 422, in, *id, &res.error());
      return ex.error(res.error());
    }
    ex.redirect("/admin/users");
  });
}

}  // namespace sendflow::web
