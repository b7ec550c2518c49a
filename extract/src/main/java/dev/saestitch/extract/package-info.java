/** From text to per-token activations of a transformer run by ONNX Runtime. */
package dev.saestitch.extract;
