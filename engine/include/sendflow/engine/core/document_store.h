// Port: where finished documents (sealed PDFs) are kept. The engine hands over bytes and keeps
// the returned location in its records; an implementation outside engine/ decides where
// (web/app: files under <home>/sealed).
#pragma once

#include <string>
#include <string_view>

namespace sendflow::engine {

class DocumentStore {
 public:
  virtual ~DocumentStore() = default;
  // Keeps `bytes` durably under their SHA-256 (`sha256`, hex) and returns the location to record.
  // Idempotent. Called before the database records the document: a crash leaves at worst an
  // orphan. Throws InfraError when the bytes cannot be kept.
  virtual std::string put(const std::string& sha256, std::string_view bytes) = 0;
  // The bytes at a location put() returned. Throws InfraError when they cannot be read.
  virtual std::string get(const std::string& location) const = 0;
  // Deletes the bytes at a location (a record erased at the end of its retention period).
  // Idempotent. Throws InfraError when they cannot be deleted.
  virtual void remove(const std::string& location) = 0;
};

}  // namespace sendflow::engine
