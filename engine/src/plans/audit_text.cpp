#include "sendflow/engine/plans/audit_text.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <map>

#include "sendflow/engine/core/clock.h"
#include "sendflow/engine/core/door.h"
#include "sendflow/engine/core/text.h"

namespace sendflow::engine {
namespace {

using Poco::Dynamic::Var;

std::string words(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c == '_' || c == '.') c = ' ';
  return out;
}

std::string capitalised(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

// "A", "A and B", "A, B and C".
std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " and " : ", ";
    out += items[i];
  }
  return out;
}

class Describer {
 public:
  Describer(const StoredAuditEvent& e, const PlanView& v, const ActorNamer& nameOf)
      : e_(e), v_(v), nameOf_(nameOf) {
    try {
      auto parsed = Poco::JSON::Parser().parse(e.detail);
      if (parsed.type() == typeid(Poco::JSON::Object::Ptr))
        detail_ = parsed.extract<Poco::JSON::Object::Ptr>();
    } catch (const std::exception&) {
    }
    if (!detail_) detail_ = new Poco::JSON::Object;
  }

  AuditLine line() const {
    AuditLine out{ukDateTimeOf(e_.at), nameOf_(e_.actor), sentence(), {}};
    for (const auto& [key, value] : *detail_) {
      if (key == "fields") continue;  // named in the sentence; "What changed" shows them all
      std::string shown = valueOf(key, value);
      if (!shown.empty()) out.details.emplace_back(labelOf(key), shown);
    }
    return out;
  }

 private:
  std::string str(const std::string& key) const {
    return detail_->has(key) ? detail_->get(key).toString() : std::string();
  }

  std::string stateLabel(const std::string& name) const {
    const StateDef* s = v_.workflow ? v_.workflow->state(name) : nullptr;
    return s ? s->shown() : capitalised(words(name));
  }
  std::string stepLabel(const std::string& name) const {
    const TransitionDef* t = v_.workflow ? v_.workflow->transition(name) : nullptr;
    return t && !t->label.empty() ? t->label : capitalised(words(name));
  }
  std::string slotLabel(const std::string& role) const {
    const SignerSlot* s = v_.workflow ? v_.workflow->signer(role) : nullptr;
    return s && !s->label.empty() ? s->label : capitalised(words(role));
  }
  // "hazards[0].likelihood" → "Hazards, row 1: Likelihood" (as the diff names it).
  std::string answerLabel(const std::string& path) const {
    if (!v_.form) return path;
    const auto open = path.find('['), close = path.find("].");
    if (open == std::string::npos || close == std::string::npos || close < open) {
      const FieldDef* f = v_.form->field(path);
      return f ? f->label : path;
    }
    const FieldDef* table = v_.form->field(path.substr(0, open));
    const FieldDef* column = table ? table->column(path.substr(close + 2)) : nullptr;
    if (!column) return path;
    std::string row = path.substr(open + 1, close - open - 1);
    try {
      row = std::to_string(std::stoi(row) + 1);
    } catch (const std::exception&) {
    }
    return table->label + ", row " + row + ": " + column->label;
  }

  std::vector<std::string> answerLabels() const {
    std::vector<std::string> out;
    if (!detail_->has("fields")) return out;
    auto a = detail_->getArray("fields");
    if (!a) return out;
    for (std::size_t i = 0; i < a->size(); ++i)
      out.push_back(answerLabel(a->get(static_cast<unsigned>(i)).toString()));
    return out;
  }

  std::string sentence() const {
    const std::string& a = e_.action;
    const std::string version = str("version");
    const std::string ofVersion = version.empty() ? "" : " version " + version;
    if (a == "plan.launch") return "Started the plan";
    if (a == "plan.edit") {
      auto labels = answerLabels();
      const long n = static_cast<long>(labels.size());
      if (n == 0) return "Saved the plan" + (version.empty() ? "" : " as version " + version);
      if (labels.size() > 4) {
        labels.resize(3);
        labels.push_back(countOf(n - 3, "other", "others"));
      }
      return "Changed " + countOf(n, "answer", "answers") + ": " + joined(labels);
    }
    if (a == "plan.transition") {
      std::string s = stepLabel(str("transition"));
      if (detail_->has("from") && detail_->has("to"))
        s += ": " + stateLabel(str("from")) + " to " + stateLabel(str("to"));
      return s;
    }
    if (a == "plan.signers") return "Chose who signs as " + slotLabel(str("slot"));
    if (a == "plan.sealed") {
      const long n = detail_->has("signatures") ? detail_->getValue<long>("signatures") : 0;
      return "Sealed" + ofVersion + (n ? " with " + countOf(n, "signature", "signatures") : "");
    }
    if (a == "plan.view")
      return "Read the plan" + (version.empty() ? "" : " (version " + version + ")");
    if (a == "plan.list") return "Listed plans";
    if (a == "plan.history") return "Read the version history";
    if (a == "plan.diff") return "Compared version " + str("from") + " with version " + str("to");
    if (a == "plan.audit_view") return "Read this audit trail";
    if (a == "plan.pdf_download")
      return std::string(detail_->has("sealed") ? "Downloaded the sealed PDF"
                                                : "Downloaded the PDF") +
             (version.empty() ? "" : " of version " + version);
    if (a == "signature.invited") {
      const long n = detail_->has("requests") ? detail_->getValue<long>("requests") : 0;
      return "Sent for signature" +
             (n ? ": asked " + countOf(n, "person", "people") + " to sign" : "");
    }
    if (a == "signature.link_opened") return "Opened the signing link";
    if (a == "signature.code_sent") return "Was emailed a confirmation code";
    if (a == "signature.code_ok") return "Entered the right confirmation code";
    if (a == "signature.code_wrong") return "Entered a wrong confirmation code";
    if (a == "signature.signed") return "Signed" + ofVersion;
    if (a == "signature.declined") return "Declined to sign";
    if (a == "signature.expiry_warned") return "Was reminded that the signing link expires soon";
    if (a == "signature.link_renewed") return "Sent a new signing link";
    if (a == "signature.reminded") return "Sent a reminder to sign";
    if (a == "signature.replaced") return "Replaced a signer";
    if (a == "signature.void") return "Cancelled the signature requests";
    if (a == "contribution.invite") return "Invited a contribution";
    if (a == "contribution.opened") return "Opened the contribution link";
    if (a == "contribution.revoke") return "Withdrew a contribution link";
    return capitalised(words(a));
  }

  static std::string labelOf(const std::string& key) {
    static const std::map<std::string, std::string> labels{
        {"content_hash", "Fingerprint"},
        {"pdf_sha256", "PDF fingerprint"},
        {"door", "Through"},
        {"ip", "IP address"},
        {"user_agent", "Browser"},
        {"slot", "Signing as"},
        {"transition", "Step"},
        {"fields", "Answers changed"},
        {"people", "People"},
        {"contact", "Contact"},
        {"expires", "Link expires"},
        {"resent", "Sent again"},
        {"emails", "Emails sent"},
        {"requests", "Signature requests"},
        {"pupil", "Pupil"},
        {"type", "Type of plan"},
        {"reason_code", "Reason"},
        {"reason_text", "Reason given"},
        {"method", "How"},
    };
    auto it = labels.find(key);
    return it != labels.end() ? it->second : capitalised(words(key));
  }

  std::string plain(const Var& v) const {
    if (v.isEmpty()) return "";
    if (v.type() == typeid(bool)) return v.extract<bool>() ? "Yes" : "No";
    if (v.type() == typeid(Poco::JSON::Array::Ptr)) {
      std::vector<std::string> items;
      auto a = v.extract<Poco::JSON::Array::Ptr>();
      for (std::size_t i = 0; i < a->size(); ++i)
        items.push_back(plain(a->get(static_cast<unsigned>(i))));
      return joined(items);
    }
    if (v.type() == typeid(Poco::JSON::Object::Ptr)) {
      std::vector<std::string> items;
      for (const auto& [k, x] : *v.extract<Poco::JSON::Object::Ptr>())
        items.push_back(labelOf(k) + ": " + plain(x));
      return joined(items);
    }
    const std::string s = v.toString();
    if (s.rfind("user:", 0) == 0 || s.rfind("contact:", 0) == 0) return nameOf_(s);
    return ukDateTimeOf(s);
  }

  std::string valueOf(const std::string& key, const Var& v) const {
    const std::string s = v.isEmpty() ? "" : v.toString();
    if (e_.action == "plan.diff" && (key == "from" || key == "to")) return "Version " + s;
    if (key == "from" || key == "to") return stateLabel(s);
    if (key == "transition") return stepLabel(s);
    if (key == "slot") return slotLabel(s);
    if (key == "door") return doorLabel(s);
    if (key == "content_hash" || key == "pdf_sha256") return s.substr(0, 12);
    if (key == "fields") return joined(answerLabels());
    if (key == "contact") return nameOf_("contact:" + s);
    if (key == "pupil" && s == std::to_string(v_.pupil.id)) return v_.pupil.legalName;
    if (key == "type" && v_.workflow && s == v_.workflow->type) return v_.workflow->title;
    if (key == "method")
      return s == "drawn" ? "Drawn signature" : s == "typed" ? "Typed name" : capitalised(words(s));
    if (key == "kind") return capitalised(words(s));
    if (key == "reason_code") return capitalised(words(s));
    return plain(v);
  }

  const StoredAuditEvent& e_;
  const PlanView& v_;
  const ActorNamer& nameOf_;
  Poco::JSON::Object::Ptr detail_;
};

}  // namespace

AuditLine describeAuditEvent(const StoredAuditEvent& e, const PlanView& plan,
                             const ActorNamer& nameOf) {
  return Describer(e, plan, nameOf).line();
}

}  // namespace sendflow::engine
