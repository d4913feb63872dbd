// The fields a study is created from, shared by `drover study create` (flags and a
// space file) and `POST /api/v1/studies` (a JSON body), so that both accept the
// same things and refuse them with the same messages.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "study/stored_study.h"
#include "util/status.h"

namespace drover::study {

// What a user gives to create a study; Build checks it all.
struct CreateFields {
  std::string name;
  nlohmann::json space;                      // hpo::Space JSON (an object)
  nlohmann::json sampler = "tpe";            // a name, or an object with "name" and options
  nlohmann::json sampler_options = nullptr;  // null, or an object merged into the setting
  nlohmann::json pruner = "none";
  nlohmann::json pruner_options = nullptr;
  std::string direction = "minimize";        // minimize | maximize
  int64_t seed = 0;
};

// The definition the fields make, checked as MakeRecord checks it (space, sampler,
// pruner, their options, the direction). kInvalid names the field and the problem.
Result<StudyDefinition> BuildDefinition(const CreateFields& f);

// Reads the fields from a JSON object {"name", "space", "sampler", "sampler_options",
// "pruner", "pruner_options", "direction", "seed"}; "name" and "space" are required.
// kInvalid for a field of the wrong type or an unknown field (named, with the known ones).
Result<CreateFields> CreateFieldsFromJson(const nlohmann::json& body);

}  // namespace drover::study
