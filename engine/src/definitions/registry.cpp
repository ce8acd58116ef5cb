#include "sendflow/engine/definitions/registry.h"

#include "form_parser.h"
#include "json_reader.h"
#include "sendflow/engine/core/canonical_json.h"
#include "workflow_parser.h"

namespace sendflow::engine {

FormDefinition parseForm(const std::string& json, const std::string& sourceName,
                         const LanguageList* languages) {
  Reader r(sourceName, languages);
  auto root = r.parse(json);
  FormDefinition form = FormParser(r).parse(root);
  form.sourceName = sourceName;
  form.sourceJson = canonicalJson(*root);
  return form;
}

WorkflowDefinition parseWorkflow(const std::string& json, const std::string& sourceName,
                                 const FormDefinition* form, const LanguageList* languages) {
  Reader r(sourceName, languages);
  auto root = r.parse(json);
  WorkflowDefinition wf = WorkflowParser(r, form).parse(root);
  wf.sourceName = sourceName;
  wf.sourceJson = canonicalJson(*root);
  return wf;
}

namespace {

// The form a workflow names, looked up first so that its field references are checked.
const FormDefinition* formOf(
    const DefinitionText& file, const DefinitionSource& source,
    const std::map<std::string, std::shared_ptr<const FormDefinition>, std::less<>>& forms) {
  auto root = Reader(file.name).parse(file.json);
  if (!root->has("form") || !root->get("form").isString()) return nullptr;
  std::string formType = root->getValue<std::string>("form");
  auto it = forms.find(formType);
  if (it == forms.end())
    throw DefinitionError(file.name, "$.form",
                          "unknown form '" + formType + "': no " + source.formLocation(formType));
  return it->second.get();
}

}  // namespace

DefinitionRegistry DefinitionRegistry::load(const DefinitionSource& source,
                                            const LanguageList& languages) {
  DefinitionRegistry reg;
  for (const auto& file : source.forms()) {
    auto form = std::make_shared<FormDefinition>(parseForm(file.json, file.name, &languages));
    if (form->type != file.key)
      throw DefinitionError(
          file.name, "$.type",
          "type '" + form->type + "' does not match its folder '" + file.key + "'");
    reg.forms_.emplace(form->type, std::move(form));
  }
  for (const auto& file : source.workflows()) {
    const FormDefinition* form = formOf(file, source, reg.forms_);
    auto wf =
        std::make_shared<WorkflowDefinition>(parseWorkflow(file.json, file.name, form, &languages));
    if (auto it = reg.workflows_.find(wf->type); it != reg.workflows_.end())
      throw DefinitionError(
          file.name, "$.type",
          "duplicate type '" + wf->type + "' (also in " + it->second->sourceName + ")");
    if (file.key != wf->type)
      throw DefinitionError(
          file.name, "$.type",
          "type '" + wf->type + "' does not match the file name '" + file.key + ".json'");
    reg.workflows_.emplace(wf->type, std::move(wf));
  }
  return reg;
}

DefinitionRegistry DefinitionRegistry::deferred(std::function<DefinitionRegistry()> read) {
  DefinitionRegistry reg;
  reg.deferred_ = std::make_shared<Deferred>();
  reg.deferred_->read = std::move(read);
  return reg;
}

const DefinitionRegistry& DefinitionRegistry::loaded() const {
  if (!deferred_) return *this;
  Deferred& d = *deferred_;
  // call_once: a read that throws leaves the flag unset, so the next lookup reads again.
  std::call_once(d.once, [&d] { d.value = std::make_unique<const DefinitionRegistry>(d.read()); });
  return d.value->loaded();
}

const WorkflowDefinition* DefinitionRegistry::workflow(std::string_view type) const {
  const auto& all = loaded().workflows_;
  auto it = all.find(type);
  return it == all.end() ? nullptr : it->second.get();
}

const FormDefinition* DefinitionRegistry::form(std::string_view type) const {
  const auto& all = loaded().forms_;
  auto it = all.find(type);
  return it == all.end() ? nullptr : it->second.get();
}

const FormDefinition* DefinitionRegistry::formFor(const WorkflowDefinition& wf) const {
  return form(wf.form);
}

std::vector<std::string> DefinitionRegistry::types() const {
  std::vector<std::string> out;
  for (const auto& [type, wf] : loaded().workflows_) out.push_back(type);
  return out;
}

// -- MemoryDefinitionSource -------------------------------------------------------------------

MemoryDefinitionSource& MemoryDefinitionSource::addForm(const std::string& key, std::string json) {
  forms_[key] = DefinitionText{key, formLocation(key), std::move(json)};
  return *this;
}

MemoryDefinitionSource& MemoryDefinitionSource::addWorkflow(const std::string& key,
                                                            std::string json) {
  workflows_[key] = DefinitionText{key, "workflows/" + key + ".json", std::move(json)};
  return *this;
}

std::vector<DefinitionText> MemoryDefinitionSource::forms() const {
  std::vector<DefinitionText> out;
  for (const auto& [key, text] : forms_) out.push_back(text);
  return out;
}

std::vector<DefinitionText> MemoryDefinitionSource::workflows() const {
  std::vector<DefinitionText> out;
  for (const auto& [key, text] : workflows_) out.push_back(text);
  return out;
}

std::string MemoryDefinitionSource::formLocation(std::string_view type) const {
  return "forms/" + std::string(type) + "/form.json";
}

}  // namespace sendflow::engine
