package dev.freshet.model;

/**
 * Post-hoc calibration applied to the network's logit.
 *
 * <p>{@link #PLATT}: a logistic fit {@code p = sigmoid(a * logit + b)} on a held-out slice of each
 * training run; it repairs the probability shift that class weighting introduces. {@link #NONE}:
 * the plain sigmoid of the BCE-trained logit, which is calibrated only without class weights.
 */
public enum CalibrationMethod {
  NONE,
  PLATT
}
