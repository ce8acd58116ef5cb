// Parsing and checking one form definition (parseForm() in registry.h is the public door).
// form_parser.cpp reads the form and its sections, form_fields.cpp one field,
// form_references.cpp checks what fields name (conditions, date rules, formulas, cycles).
#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>

#include <string>
#include <vector>

#include "json_reader.h"
#include "sendflow/engine/definitions/form_definition.h"

namespace sendflow::engine {

class FormParser {
 public:
  explicit FormParser(const Reader& r) : r_(r) {}

  FormDefinition parse(const Poco::JSON::Object::Ptr& root);

 private:
  using Var = Poco::Dynamic::Var;
  using Object = Poco::JSON::Object;

  static std::string fieldPath(std::size_t si, std::size_t fi);

  // form_parser.cpp
  void checkUniqueFieldIds(const FormDefinition& form);
  SectionDef section(const Var& v, const std::string& p);
  Condition condition(const Var& v, const std::string& p);
  Formula formula(const Var& v, const std::string& p, int depth);
  Formula formulaOperator(const Object& o, const std::string& p, int depth);
  // Words in other languages (readTranslations(), local_words.h) only where a contact reads them.
  void checkTranslationsPlace(const SectionDef& s, const std::string& p);

  // form_fields.cpp
  FieldDef field(const Var& v, const std::string& p, bool inTable);
  FieldKind fieldKind(const Object& o, const std::string& p, bool inTable);
  void checkFieldKeys(const Object& o, const std::string& p, FieldKind kind);
  void readCommon(const Object& o, const std::string& p, bool inTable, FieldDef& f);
  void readErrorWords(const Object& o, const std::string& p, FieldDef& f);
  void checkPrefillKind(const FieldDef& f, const std::string& p, bool inTable);
  void readTextRules(const Object& o, const std::string& p, FieldDef& f);
  void readNumberRules(const Object& o, const std::string& p, FieldDef& f);
  void readOptions(const Object& o, const std::string& p, FieldDef& f);
  void readDateRelations(const Object& o, const std::string& p, FieldDef& f);
  void readPeople(const Object& o, const std::string& p, FieldDef& f);
  void readTable(const Object& o, const std::string& p, FieldDef& f);
  void readComputed(const Object& o, const std::string& p, FieldDef& f);

  // form_references.cpp
  void checkReferences(const FormDefinition& form);
  void checkCondition(const Condition& c, const std::string& p, const FieldDef* target,
                      const std::string& self);
  void checkField(const FormDefinition& form, const FieldDef& f, const std::string& p,
                  const FieldDef* table);
  void checkDateRelations(const FormDefinition& form, const FieldDef& f, const std::string& p,
                          const FieldDef* table);
  void checkFormula(const FormDefinition& form, const Formula& x, const std::string& p,
                    const FieldDef* table);
  void checkAggregate(const FormDefinition& form, const Formula& x, const std::string& p,
                      const FieldDef* table);
  void checkNumeric(const FieldDef& f, const std::string& p);
  void checkCycle(const FormDefinition& form, const FieldDef& f, const FieldDef* table,
                  std::vector<const FieldDef*> stack);

  const Reader& r_;
};

}  // namespace sendflow::engine
