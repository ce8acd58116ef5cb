#include "sendflow/engine/forms/prefill.h"

#include "value_tree.h"

namespace sendflow::engine {

using namespace values;

Object::Ptr prefillValues(const FormDefinition& form, const Pupil& pupil,
                          const std::vector<Contact>& contacts) {
  Object::Ptr out = new Object;
  auto contactsOf = [&](const std::string& source) {
    std::vector<const Contact*> list;
    std::string kind = source.substr(std::string("contacts.").size());
    for (const auto& c : contacts)
      if (c.active && (kind == "all" || kind == contactKindName(c.kind))) list.push_back(&c);
    return list;
  };
  for (const auto* f : form.fields()) {
    const std::string& p = f->prefill;
    if (p.empty()) continue;
    if (p.rfind("pupil.", 0) == 0) {
      std::string v = p == "pupil.legal_name"       ? pupil.legalName
                      : p == "pupil.preferred_name" ? pupil.preferredName
                      : p == "pupil.display_name"   ? pupil.displayName()
                      : p == "pupil.date_of_birth"  ? pupil.dateOfBirth
                      : p == "pupil.year_group"     ? pupil.yearGroup
                      : p == "pupil.upn"            ? pupil.upn
                                                    : std::string();
      if (!v.empty() && (f->kind != FieldKind::kChoice || f->option(v))) out->set(f->id, v);
      continue;
    }
    auto list = contactsOf(p);
    if (list.empty()) continue;
    if (f->kind == FieldKind::kPerson) {
      out->set(f->id, "contact:" + std::to_string(list.front()->id));
    } else if (f->kind == FieldKind::kTable) {
      Array::Ptr rows = new Array;
      for (const Contact* c : list) {
        if (rows->size() >= f->maxRows) break;
        Object::Ptr row = new Object;
        for (const auto& col : f->columns) {
          const std::string& cp = col.prefill;
          std::string v = cp == "contact.name"           ? c->name
                          : cp == "contact.relationship" ? c->relationship
                          : cp == "contact.email"        ? c->email
                          : cp == "contact.kind"         ? contactKindLabel(c->kind)
                          : cp == "contact.ref"          ? "contact:" + std::to_string(c->id)
                                                         : std::string();
          if (col.kind == FieldKind::kPerson && cp == "contact.name")
            v = "contact:" + std::to_string(c->id);
          if (!v.empty()) row->set(col.id, v);
        }
        if (row->size() > 0) rows->add(row);
      }
      if (rows->size() > 0) out->set(f->id, rows);
    } else {
      std::string names;
      for (const Contact* c : list) {
        names += (names.empty() ? "" : "; ") + c->name;
        if (!c->relationship.empty()) names += " (" + c->relationship + ")";
      }
      out->set(f->id, names);
    }
  }
  return out;
}

}  // namespace sendflow::engine
