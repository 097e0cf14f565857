/**
 * OpenAI Chat Completions and every OpenAI-compatible server (Ollama, vLLM, llama.cpp, LM Studio),
 * on the official SDK.
 */
package io.runstream.worker.model.openai;
