// Parsing and checking one workflow definition (parseWorkflow() in registry.h is the public
// door). workflow_parser.cpp reads states, transitions, signers and retention;
// workflow_policies.cpp the review and deadline policies.
#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>

#include <set>
#include <string>

#include "json_reader.h"
#include "sendflow/engine/definitions/form_definition.h"
#include "sendflow/engine/definitions/workflow_definition.h"

namespace sendflow::engine {

class WorkflowParser {
 public:
  // `form`, when given, is the workflow's form: field references are checked against it.
  WorkflowParser(const Reader& r, const FormDefinition* form) : r_(r), form_(form) {}

  WorkflowDefinition parse(const Poco::JSON::Object::Ptr& root);

 private:
  using Var = Poco::Dynamic::Var;
  using Object = Poco::JSON::Object;

  // workflow_parser.cpp
  void readHeader(const Object& root, WorkflowDefinition& wf);
  StateDef state(const WorkflowDefinition& wf, const Var& v, const std::string& p);
  void defaultReviewTones(WorkflowDefinition& wf) const;
  TransitionDef transition(const WorkflowDefinition& wf, const Var& v, const std::string& p);
  void readFrom(const WorkflowDefinition& wf, const Object& o, const std::string& p,
                TransitionDef& t);
  void readRoles(const Object& o, const std::string& p, TransitionDef& t);
  Guard guard(const Var& v, const std::string& p);
  void readActions(const Object& o, const std::string& p, TransitionDef& t);
  void readReasons(const Object& o, const std::string& p, TransitionDef& t);
  SignerSlot signer(const WorkflowDefinition& wf, const Var& v, const std::string& p);
  RetentionPolicy retention(const Var& v);
  void checkReachable(const WorkflowDefinition& wf);

  // workflow_policies.cpp
  void checkField(const std::string& id, const std::string& p, bool mustBeDate);
  Condition condition(const Var& v, const std::string& p);
  ReviewPolicy review(const WorkflowDefinition& wf, const Var& v, const std::string& p);
  DeadlinePolicy deadlines(const WorkflowDefinition& wf, const Var& v, const std::string& p);
  DeadlineRule deadlineRule(const WorkflowDefinition& wf, const DeadlinePolicy& d, const Var& v,
                            const std::string& p);
  PhaseTransferRule phaseTransfer(const DeadlinePolicy& d, const Var& v, const std::string& p);

  const Reader& r_;
  const FormDefinition* form_;
  std::set<std::string> toneGiven_;  // states whose "tone" the file gives
};

}  // namespace sendflow::engine
