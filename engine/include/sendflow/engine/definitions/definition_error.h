// The error of a bad definition file: which file, where in it, what is wrong.
#pragma once

#include <stdexcept>
#include <string>

namespace sendflow::engine {

// A definition file is wrong. what() reads "<file>: <json path>: <what is wrong>", e.g.
// "workflows/peep.json: $.transitions[3].to: unknown state 'actve'".
class DefinitionError : public std::runtime_error {
 public:
  DefinitionError(std::string file, std::string jsonPath, const std::string& problem);
  const std::string& file() const { return file_; }
  const std::string& jsonPath() const { return jsonPath_; }

 private:
  std::string file_;
  std::string jsonPath_;
};

}  // namespace sendflow::engine
