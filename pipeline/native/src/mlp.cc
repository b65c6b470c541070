#include "common.h"
namespace hw1 {
void registerMlp(napi_env, napi_value) {}
}  // namespace hw1
