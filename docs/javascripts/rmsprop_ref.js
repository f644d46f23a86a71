/* rmsprop_ref in the browser: the optimizer explorer (explorer/) and the EWMA widget (ewma/).
 *
 * The numbers are the package's. The update below is a line-by-line port of
 * rmsprop_ref/rmsprop.py (rmsprop_update), adagrad.py (adagrad_update), adam.py (adam_update),
 * sgd.py (sgd_update), schedules.py, run.py (run) and problems.py (the gradients), in the same
 * order of floating-point operations, so each coordinate comes out bit-identical to numpy's
 * (the cosine schedule's cos aside: see cosPy); argument checks mirror _checks.py and give
 * Python's messages. The distance view's envelope follows dynamics.py. tests/test_explorer.py
 * holds it to all that.
 *
 * window.rmspropRef.run(config) -> [[θ1, θ2], ...] (steps + 1 points), where config =
 * {optimizer: "SGD" | "Adagrad" | "RMSprop" | "Adam", problem: name, start: [θ1, θ2], steps: N,
 *  hyperparams: {lr, alpha, ...}, lr_schedule: null | {name: "cosine", kwargs: {lr, t_max}}} means
 * rmsprop_ref.run(getattr(rmsprop_ref, optimizer), PROBLEMS[problem].grad, start, steps,
 *                 lr_schedule=getattr(rmsprop_ref.schedules, name)(**kwargs), **hyperparams).
 */
(function () {
  "use strict";

  // ---------------------------------------------------------------- Python-style errors and repr

  function pyError(type, message) {
    const e = new Error(message);
    e.name = type; // Python's exception class: ValueError, TypeError, KeyError, ...
    return e;
  }

  // repr() of a Python float: shortest round-trip digits (JavaScript's too), but Python
  // writes 1e-05 / 1e+16 where JavaScript writes 0.00001 / 10000000000000000.
  function floatRepr(x) {
    if (Number.isNaN(x)) return "nan";
    if (x === Infinity) return "inf";
    if (x === -Infinity) return "-inf";
    if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
    const [mant, expStr] = x.toExponential().split("e"); // shortest digits, e.g. "-1.25", "-5"
    const exp = Number(expStr);
    const neg = mant[0] === "-";
    const digits = mant.replace("-", "").replace(".", "");
    const sign = neg ? "-" : "";
    if (exp < -4 || exp >= 16) {
      // float_repr_style 'short': scientific with a two-digit exponent at least
      const m = digits.length > 1 ? digits[0] + "." + digits.slice(1) : digits;
      const e = Math.abs(exp) < 10 ? "0" + Math.abs(exp) : String(Math.abs(exp));
      return `${sign}${m}e${exp < 0 ? "-" : "+"}${e}`;
    }
    if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
    const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
    const frac = digits.slice(exp + 1);
    return `${sign}${intPart}.${frac || "0"}`;
  }

  function strRepr(s) {
    const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
    let out = "";
    for (const ch of s) {
      if (ch === "\\") out += "\\\\";
      else if (ch === quote) out += "\\" + ch;
      else if (ch === "\n") out += "\\n";
      else if (ch === "\r") out += "\\r";
      else if (ch === "\t") out += "\\t";
      else if (ch < " " || ch === "\x7f") out += "\\x" + ch.charCodeAt(0).toString(16).padStart(2, "0");
      else out += ch;
    }
    return quote + out + quote;
  }

  // repr() of the Python value a JSON-like JavaScript value stands for. A JavaScript number
  // does not say whether it was an int or a float; an integral one is taken as an int, as
  // Python's json.loads reads "5".
  function pyRepr(v) {
    if (v === null || v === undefined) return "None";
    if (v === true) return "True";
    if (v === false) return "False";
    if (typeof v === "number") {
      if (Number.isInteger(v) && !Object.is(v, -0)) return BigInt(v).toString();
      return floatRepr(v);
    }
    if (typeof v === "string") return strRepr(v);
    if (Array.isArray(v)) return "[" + v.map(pyRepr).join(", ") + "]";
    return "{" + Object.entries(v).map(([k, x]) => `${strRepr(k)}: ${pyRepr(x)}`).join(", ") + "}";
  }

  function pyTypeName(v) {
    if (v === null || v === undefined) return "NoneType";
    if (typeof v === "boolean") return "bool";
    if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
    if (typeof v === "string") return "str";
    if (Array.isArray(v)) return "list";
    return "dict";
  }

  // ---------------------------------------------------------------- _checks.py

  // _fmt: "inf", or f"{x:g}" (6 significant digits, trailing zeros dropped, exponent from 1e-05 / 1e+06)
  function fmtBound(x) {
    if (x === Infinity) return "inf";
    const [m, e] = x.toExponential(5).split("e");
    const exp = Number(e);
    const trim = (t) => (t.includes(".") ? t.replace(/0+$/, "").replace(/\.$/, "") : t);
    if (exp < -4 || exp >= 6) return `${trim(m)}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
    return trim(x.toFixed(Math.max(0, 5 - exp)));
  }

  // check_number(name, value, low, high, *, low_open=False, high_open=True)
  function checkNumber(name, value, low, high, lowOpen = false, highOpen = true) {
    const loSign = lowOpen ? "<" : "<=";
    const hiSign = highOpen ? "<" : "<=";
    const expected = `expected ${fmtBound(low)} ${loSign} ${name} ${hiSign} ${fmtBound(high)}`;
    if (typeof value !== "number") {
      throw pyError("TypeError", `Invalid ${name}: ${pyRepr(value)} (${expected}, got ${pyTypeName(value)})`);
    }
    const v = value; // float(value); NaN fails every comparison below, as in Python
    const okLow = lowOpen ? v > low : v >= low;
    const okHigh = highOpen ? v < high : v <= high;
    if (!(okLow && okHigh)) throw pyError("ValueError", `Invalid ${name}: ${pyRepr(value)} (${expected})`);
    return v;
  }

  function checkBool(name, value) {
    if (typeof value !== "boolean") throw pyError("TypeError", `Invalid ${name}: ${pyRepr(value)} (expected True or False)`);
    return value;
  }

  // ---------------------------------------------------------------- the optimizers

  // Each optimizer: its keyword arguments in signature order with their defaults, and the
  // constructor's checks in the order __init__ runs them.
  const inf = Infinity;
  const OPTIMIZERS = {
    // sgd.py: SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False)
    SGD: {
      defaults: { lr: 1e-3, momentum: 0, dampening: 0, weight_decay: 0, nesterov: false },
      check(k) {
        const h = {
          lr: checkNumber("lr", k.lr, 0, inf),
          momentum: checkNumber("momentum", k.momentum, 0, 1),
          dampening: checkNumber("dampening", k.dampening, 0, 1, false, false),
          weight_decay: checkNumber("weight_decay", k.weight_decay, 0, inf),
          nesterov: checkBool("nesterov", k.nesterov),
        };
        if (h.nesterov && (h.momentum <= 0 || h.dampening !== 0)) {
          throw pyError(
            "ValueError",
            "Invalid nesterov: True needs momentum > 0 and dampening = 0 " +
              `(got momentum=${pyRepr(k.momentum)}, dampening=${pyRepr(k.dampening)}); PyTorch refuses it too`,
          );
        }
        return h;
      },
      init: (n) => ({ momentum_buffer: new Array(n).fill(0) }),
      // sgd_update
      update(param, grad, state, h, step) {
        const buf = state.momentum_buffer;
        for (let i = 0; i < param.length; i++) {
          let g, d;
          if (h.weight_decay) {
            g = param[i] * h.weight_decay; // np.multiply(param, weight_decay, out=g)
            g += grad[i]; // g += grad
          } else {
            g = grad[i];
          }
          if (h.momentum) {
            if (step === 1) {
              buf[i] = g; // momentum_buffer[...] = g
            } else {
              buf[i] *= h.momentum; // momentum_buffer *= momentum
              if (h.dampening) {
                d = g * (1 - h.dampening); // np.multiply(g, 1 - dampening, out=d)
                buf[i] += d; // momentum_buffer += d
              } else {
                buf[i] += g; // momentum_buffer += g
              }
            }
            if (h.nesterov) {
              d = buf[i] * h.momentum; // np.multiply(momentum_buffer, momentum, out=d)
              d += g; // d += g
            } else {
              d = buf[i]; // d[...] = momentum_buffer
            }
            d *= h.lr; // d *= lr
          } else {
            d = g * h.lr; // np.multiply(g, lr, out=d)
          }
          param[i] -= d; // param -= d
        }
      },
      effectiveLr: (state, h, step, n) => new Array(n).fill(h.lr),
    },
    // rmsprop.py: RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
    //                     centered=False, *, eps_in_sqrt=False)
    RMSprop: {
      defaults: { lr: 1e-2, alpha: 0.99, eps: 1e-8, weight_decay: 0, momentum: 0, centered: false, eps_in_sqrt: false },
      check: (k) => ({
        lr: checkNumber("lr", k.lr, 0, inf),
        alpha: checkNumber("alpha", k.alpha, 0, 1),
        eps: checkNumber("eps", k.eps, 0, inf, true),
        weight_decay: checkNumber("weight_decay", k.weight_decay, 0, inf),
        momentum: checkNumber("momentum", k.momentum, 0, 1),
        centered: checkBool("centered", k.centered),
        eps_in_sqrt: checkBool("eps_in_sqrt", k.eps_in_sqrt),
      }),
      init: (n) => ({ square_avg: new Array(n).fill(0), grad_avg: new Array(n).fill(0), momentum_buffer: new Array(n).fill(0) }),
      // rmsprop_update, one coordinate at a time; each numpy line is one line here
      update(param, grad, state, h) {
        const square_avg = state.square_avg, grad_avg = state.grad_avg, momentum_buffer = state.momentum_buffer;
        for (let i = 0; i < param.length; i++) {
          let g, d, v;
          if (h.weight_decay) {
            g = param[i] * h.weight_decay; // np.multiply(param, weight_decay, out=g)
            g += grad[i]; // g += grad
          } else {
            g = grad[i];
          }
          square_avg[i] *= h.alpha; // square_avg *= alpha
          d = g * g; // np.multiply(g, g, out=d)
          d *= 1 - h.alpha; // d *= 1 - alpha
          square_avg[i] += d; // square_avg += d
          if (h.centered) {
            grad_avg[i] *= h.alpha; // grad_avg *= alpha
            d = g * (1 - h.alpha); // np.multiply(g, 1 - alpha, out=d)
            grad_avg[i] += d; // grad_avg += d
            d = grad_avg[i] * grad_avg[i]; // np.multiply(grad_avg, grad_avg, out=d)
            d = square_avg[i] - d; // np.subtract(square_avg, d, out=d)
            d = d < 0 ? 0 : d; // np.maximum(d, 0, out=d) (NaN stays NaN, as in numpy)
            v = d;
          } else {
            v = square_avg[i];
          }
          if (h.eps_in_sqrt) {
            d = v + h.eps; // np.add(v, eps, out=d)
            d = Math.sqrt(d); // np.sqrt(d, out=d)
          } else {
            d = Math.sqrt(v); // np.sqrt(v, out=d)
            d += h.eps; // d += eps
          }
          d = g / d; // np.divide(g, d, out=d)
          if (h.momentum) {
            momentum_buffer[i] *= h.momentum; // momentum_buffer *= momentum
            momentum_buffer[i] += d; // momentum_buffer += d
            d = momentum_buffer[i] * h.lr; // np.multiply(momentum_buffer, lr, out=d)
          } else {
            d *= h.lr; // d *= lr
          }
          param[i] -= d; // param -= d
        }
      },
      // RMSprop.effective_lr: lr / denominator(max(v - ḡ², 0), eps, eps_in_sqrt)
      effectiveLr(state, h) {
        return state.square_avg.map((sq, i) => {
          let v = h.centered ? sq - state.grad_avg[i] * state.grad_avg[i] : sq - 0;
          v = v < 0 ? 0 : v;
          return h.lr / (h.eps_in_sqrt ? Math.sqrt(v + h.eps) : Math.sqrt(v) + h.eps);
        });
      },
    },
    // adagrad.py: Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0,
    //                     initial_accumulator_value=0, eps=1e-10, *, eps_in_sqrt=False)
    Adagrad: {
      defaults: { lr: 1e-2, lr_decay: 0, weight_decay: 0, initial_accumulator_value: 0, eps: 1e-10, eps_in_sqrt: false },
      check: (k) => ({
        lr: checkNumber("lr", k.lr, 0, inf),
        lr_decay: checkNumber("lr_decay", k.lr_decay, 0, inf),
        weight_decay: checkNumber("weight_decay", k.weight_decay, 0, inf),
        initial_accumulator_value: checkNumber("initial_accumulator_value", k.initial_accumulator_value, 0, inf),
        eps: checkNumber("eps", k.eps, 0, inf, true),
        eps_in_sqrt: checkBool("eps_in_sqrt", k.eps_in_sqrt),
      }),
      // Adagrad._initial_state: np.full_like(param, initial_accumulator_value)
      init: (n, h) => ({ sum_sq: new Array(n).fill(h.initial_accumulator_value) }),
      // adagrad_update
      update(param, grad, state, h, step) {
        const sum_sq = state.sum_sq;
        for (let i = 0; i < param.length; i++) {
          let g, d;
          if (h.weight_decay) {
            g = param[i] * h.weight_decay; // np.multiply(param, weight_decay, out=g)
            g += grad[i]; // g += grad
          } else {
            g = grad[i];
          }
          d = g * g; // np.multiply(g, g, out=d)
          sum_sq[i] += d; // sum_sq += d
          if (h.eps_in_sqrt) {
            d = sum_sq[i] + h.eps; // np.add(sum_sq, eps, out=d)
            d = Math.sqrt(d); // np.sqrt(d, out=d)
          } else {
            d = Math.sqrt(sum_sq[i]); // np.sqrt(sum_sq, out=d)
            d += h.eps; // d += eps
          }
          d = g / d; // np.divide(g, d, out=d)
          d *= h.lr / (1 + (step - 1) * h.lr_decay); // d *= lr / (1 + (step - 1) * lr_decay)
          param[i] -= d; // param -= d
        }
      },
      // Adagrad.effective_lr: clr = lr / (1 + step_count * lr_decay); clr / denominator(s)
      effectiveLr(state, h, step) {
        const clr = h.lr / (1 + step * h.lr_decay);
        return state.sum_sq.map((s) => clr / (h.eps_in_sqrt ? Math.sqrt(s + h.eps) : Math.sqrt(s) + h.eps));
      },
    },
    // adam.py: Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False,
    //              *, decoupled_weight_decay=False, eps_hat=False)
    Adam: {
      defaults: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, amsgrad: false, decoupled_weight_decay: false, eps_hat: false },
      check(k) {
        const b = k.betas;
        if (!Array.isArray(b) || b.length !== 2) {
          throw pyError("TypeError", `Invalid betas: ${pyRepr(b)} (expected a pair (beta1, beta2), each 0 <= beta < 1)`);
        }
        return {
          lr: checkNumber("lr", k.lr, 0, inf),
          betas: [checkNumber("betas[0]", b[0], 0, 1), checkNumber("betas[1]", b[1], 0, 1)],
          eps: checkNumber("eps", k.eps, 0, inf, true),
          weight_decay: checkNumber("weight_decay", k.weight_decay, 0, inf),
          amsgrad: checkBool("amsgrad", k.amsgrad),
          decoupled_weight_decay: checkBool("decoupled_weight_decay", k.decoupled_weight_decay),
          eps_hat: checkBool("eps_hat", k.eps_hat),
        };
      },
      init: (n) => ({ exp_avg: new Array(n).fill(0), exp_avg_sq: new Array(n).fill(0), max_exp_avg_sq: new Array(n).fill(0) }),
      // adam_update
      update(param, grad, state, h, step) {
        const { exp_avg, exp_avg_sq, max_exp_avg_sq } = state;
        const [beta1, beta2] = h.betas;
        for (let i = 0; i < param.length; i++) {
          let g, d, v;
          if (h.weight_decay && h.decoupled_weight_decay) {
            param[i] *= 1 - h.lr * h.weight_decay; // param *= 1 - lr * weight_decay
            g = grad[i];
          } else if (h.weight_decay) {
            g = param[i] * h.weight_decay; // np.multiply(param, weight_decay, out=g)
            g += grad[i]; // g += grad
          } else {
            g = grad[i];
          }
          exp_avg[i] *= beta1; // exp_avg *= beta1
          d = g * (1 - beta1); // np.multiply(g, 1 - beta1, out=d)
          exp_avg[i] += d; // exp_avg += d
          exp_avg_sq[i] *= beta2; // exp_avg_sq *= beta2
          d = g * g; // np.multiply(g, g, out=d)
          d *= 1 - beta2; // d *= 1 - beta2
          exp_avg_sq[i] += d; // exp_avg_sq += d
          if (h.amsgrad) {
            max_exp_avg_sq[i] = Math.max(max_exp_avg_sq[i], exp_avg_sq[i]); // np.maximum(max_exp_avg_sq, exp_avg_sq, out=...)
            v = max_exp_avg_sq[i];
          } else {
            v = exp_avg_sq[i];
          }
          const correction1 = 1 - beta1 ** step; // 1 - beta1**step
          const correction2 = 1 - beta2 ** step;
          let stepSize;
          d = Math.sqrt(v); // np.sqrt(v, out=d)
          if (h.eps_hat) {
            d += h.eps; // d += eps
            stepSize = (h.lr * Math.sqrt(correction2)) / correction1; // lr * math.sqrt(correction2) / correction1
          } else {
            d /= Math.sqrt(correction2); // d /= math.sqrt(correction2)
            d += h.eps; // d += eps
            stepSize = h.lr / correction1; // lr / correction1
          }
          d = exp_avg[i] / d; // np.divide(exp_avg, d, out=d)
          d *= stepSize; // d *= step_size
          param[i] -= d; // param -= d
        }
      },
      // Adam.effective_lr: η/(√v̂ + ε), v̂ = v/(1 - β₂^t) (v the running maximum with amsgrad);
      // with eps_hat η√(1 - β₂^t)/(√v + ε); before any step v̂ is taken as 0
      effectiveLr(state, h, step) {
        const correction2 = step ? 1 - h.betas[1] ** step : 1;
        const vs = h.amsgrad ? state.max_exp_avg_sq : state.exp_avg_sq;
        return vs.map((v) =>
          h.eps_hat ? (h.lr * Math.sqrt(correction2)) / (Math.sqrt(v) + h.eps) : h.lr / (Math.sqrt(v) / Math.sqrt(correction2) + h.eps),
        );
      },
    },
  };
  const OPTIMIZER_NAMES = ["SGD", "Adagrad", "RMSprop", "Adam"];

  // ---------------------------------------------------------------- schedules.py

  // math.cos as glibc gives it, correctly rounded (Math.cos is off by an ulp for about 3 % of
  // the cosine schedule's arguments, and chaotic runs grow that past 1e-12): the argument is
  // reduced by π/2 in three parts and the series summed in double-double arithmetic.
  const twoSum = (a, b) => {
    const s = a + b, v = s - a;
    return [s, a - (s - v) + (b - v)];
  };
  const split = (a) => {
    const c = 134217729 * a, h = c - (c - a);
    return [h, a - h];
  };
  const twoProd = (a, b) => {
    const p = a * b, [ah, al] = split(a), [bh, bl] = split(b);
    return [p, ah * bh - p + ah * bl + al * bh + al * bl];
  };
  const ddAdd = (x, y) => {
    const [s, e] = twoSum(x[0], y[0]);
    return twoSum(s, e + x[1] + y[1]);
  };
  const ddMul = (x, y) => {
    const [p, e] = twoProd(x[0], y[0]);
    return twoSum(p, e + x[0] * y[1] + x[1] * y[0]);
  };
  function cosPy(x) {
    if (!(Math.abs(x) < 1e6)) return Math.cos(x); // the schedules' arguments stay below 500π
    x = Math.abs(x);
    const q = Math.round(x / 1.5707963267948966);
    let r = [x, 0];
    for (const p of [1.5707963267948966, 6.123233995736766e-17, -1.4973849048591698e-33]) {
      const [h, l] = twoProd(-q, p);
      r = ddAdd(ddAdd(r, [h, 0]), [l, 0]);
    }
    const r2 = ddMul(r, r);
    // cos r = Σ (−r²)^k/(2k)!, sin r = r Σ (−r²)^k/(2k+1)!; 14 terms reach 1e-35 for |r| ≤ π/4
    let term = q % 2 ? r : [1, 0], sum = term;
    for (let k = q % 2 ? 2 : 1; k < 30; k += 2) {
      term = ddMul(term, r2);
      const d = k * (k + 1), t0 = term[0] / d, [p, e] = twoProd(t0, d);
      term = twoSum(-t0, -(term[0] - p - e + term[1]) / d);
      sum = ddAdd(sum, term);
    }
    return (q % 4 === 1 || q % 4 === 2 ? -1 : 1) * sum[0];
  }

  // _check_steps(name, value)
  function checkSteps(name, value) {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
      throw pyError("ValueError", `Invalid ${name}: ${pyRepr(value)} (expected an int >= 1)`);
    }
    return value;
  }
  // Each factory: its parameters in signature order (with a default or required), and the
  // function it returns, its checks in the order the factory runs them.
  const REQUIRED = {};
  const SCHEDULES = {
    // step_decay(lr, step_size, gamma=0.1): lr * gamma ** ((t - 1) // step_size)
    step_decay: {
      params: { lr: REQUIRED, step_size: REQUIRED, gamma: 0.1 },
      make(a) {
        const lr = checkNumber("lr", a.lr, 0, inf);
        const gamma = checkNumber("gamma", a.gamma, 0, 1, false, false);
        const k = checkSteps("step_size", a.step_size);
        return (t) => lr * gamma ** Math.floor((t - 1) / k);
      },
    },
    // exponential(lr, gamma): lr * gamma ** (t - 1)
    exponential: {
      params: { lr: REQUIRED, gamma: REQUIRED },
      make(a) {
        const lr = checkNumber("lr", a.lr, 0, inf);
        const gamma = checkNumber("gamma", a.gamma, 0, 1, true, false);
        return (t) => lr * gamma ** (t - 1);
      },
    },
    // inverse_sqrt(lr): lr / math.sqrt(t)
    inverse_sqrt: {
      params: { lr: REQUIRED },
      make(a) {
        const lr = checkNumber("lr", a.lr, 0, inf);
        return (t) => lr / Math.sqrt(t);
      },
    },
    // cosine(lr, t_max, eta_min=0.0): eta_min + (lr - eta_min) * (1 + math.cos(math.pi * (t - 1) / t_max)) / 2
    cosine: {
      params: { lr: REQUIRED, t_max: REQUIRED, eta_min: 0 },
      make(a) {
        const lr = checkNumber("lr", a.lr, 0, inf);
        const etaMin = checkNumber("eta_min", a.eta_min, 0, lr, false, false);
        const tMax = checkSteps("t_max", a.t_max);
        return (t) => etaMin + ((lr - etaMin) * (1 + cosPy((Math.PI * (t - 1)) / tMax))) / 2;
      },
    },
  };

  // rmsprop_ref.schedules.<name>(**kwargs), with Python's errors for a wrong name or keywords
  function makeSchedule(spec) {
    const name = spec.name;
    if (!Object.prototype.hasOwnProperty.call(SCHEDULES, name)) {
      throw pyError("AttributeError", `module 'rmsprop_ref.schedules' has no attribute ${pyRepr(String(name))}`);
    }
    const sch = SCHEDULES[name];
    const kwargs = spec.kwargs || {};
    for (const key of Object.keys(kwargs)) {
      if (!Object.prototype.hasOwnProperty.call(sch.params, key)) {
        throw pyError("TypeError", `${name}() got an unexpected keyword argument ${strRepr(key)}`);
      }
    }
    const args = { ...sch.params, ...kwargs };
    const missing = Object.keys(args).filter((k) => args[k] === REQUIRED).map(strRepr);
    if (missing.length) {
      const s = missing.length > 1 ? "s" : "";
      throw pyError("TypeError", `${name}() missing ${missing.length} required positional argument${s}: ${missing.join(" and ")}`);
    }
    const eta = sch.make(args);
    return (t) => eta(checkSteps("t", t)); // _checked: steps count from 1
  }

  // ---------------------------------------------------------------- problems.py gradients

  // _quadratic(a, b, ...): grad = np.array([2 * a * x[0], 2 * b * x[1]])
  function quadraticGrad(a, b) {
    return (x) => [2 * a * x[0], 2 * b * x[1]];
  }
  // x[0] ** 2 is written x[0] * x[0], the correctly rounded square. numpy's float64 scalar
  // ** 2 calls C pow(), which in glibc differs from it in the last bit for about 7 inputs
  // in 10,000 (Rosenbrock's paths then differ by ~1e-16 relative; the tests allow 1e-12).
  const GRADIENTS = {
    quadratic: quadraticGrad(1.0, 0.5),
    d2l_quadratic: quadraticGrad(0.1, 2.0),
    // _rotated_grad: np.array([2.1 * x[0] - 1.9 * x[1], 2.1 * x[1] - 1.9 * x[0]])
    rotated_quadratic: (x) => [2.1 * x[0] - 1.9 * x[1], 2.1 * x[1] - 1.9 * x[0]],
    // _rosenbrock_grad: [-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] * x[0]), 200 * (x[1] - x[0] * x[0])]
    rosenbrock: (x) => [-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] * x[0]), 200 * (x[1] - x[0] * x[0])],
  };

  // ---------------------------------------------------------------- run.py

  // np.array(x0, dtype=np.float64).reshape(-1) for a number, None, a string or a flat list of them
  function toFloat64(x0) {
    const one = (v) => {
      if (v === null || v === undefined) return NaN; // np.array(None, dtype=float64) is nan
      if (typeof v === "boolean") return v ? 1 : 0;
      if (typeof v === "number") return v;
      if (typeof v === "string") {
        const t = v.trim().toLowerCase();
        const special = { inf: Infinity, "+inf": Infinity, "-inf": -Infinity, infinity: Infinity, "-infinity": -Infinity, nan: NaN };
        if (t in special) return special[t];
        if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return Number(t);
        throw pyError("ValueError", `could not convert string to float: ${strRepr(v)}`);
      }
      throw pyError("TypeError", `float() argument must be a string or a real number, not '${pyTypeName(v)}'`);
    };
    return Array.isArray(x0) ? x0.map(one) : [one(x0)];
  }

  // The optimizer class, the problem and its gradient, checked in the order Python evaluates
  // rmsprop_ref.run(getattr(rmsprop_ref, optimizer), PROBLEMS[problem].grad, start, steps, **hyperparams).
  function prepare(config) {
    if (config === null || typeof config !== "object") throw pyError("TypeError", `config must be an object, got ${pyRepr(config)}`);
    const name = config.optimizer;
    const meta = problemMeta();
    if (!Object.prototype.hasOwnProperty.call(OPTIMIZERS, name)) {
      if (packageMeta() && packageMeta().optimizers.includes(name)) {
        // a class of the package this port does not have (Python would run it)
        throw pyError("ValueError", `the explorer has no port of rmsprop_ref.${name}; it runs ${OPTIMIZER_NAMES.join(", ")}`);
      }
      throw pyError("AttributeError", `module 'rmsprop_ref' has no attribute ${pyRepr(String(name))}`);
    }
    const problem = config.problem;
    if (meta && !Object.prototype.hasOwnProperty.call(meta, problem)) {
      throw pyError("KeyError", pyRepr(problem));
    }
    if (!Object.prototype.hasOwnProperty.call(GRADIENTS, problem)) {
      // A problem of PROBLEMS this port has no gradient for (a 5-D one, or a new one).
      throw pyError("ValueError", `the explorer has no gradient for problem ${pyRepr(problem)} (2-D problems only)`);
    }
    // lr_schedule=rmsprop_ref.schedules.<name>(**kwargs) is built before run() starts
    const schedule = config.lr_schedule ? makeSchedule(config.lr_schedule) : null;
    const steps = config.steps;
    // run(): isinstance(steps, bool) or not isinstance(steps, int) or steps < 0
    if (typeof steps !== "number" || !Number.isInteger(steps) || steps < 0) {
      throw pyError("ValueError", `Invalid steps: ${pyRepr(steps)} (expected an int >= 0)`);
    }
    const start = toFloat64(config.start);
    const opt = OPTIMIZERS[name];
    const kwargs = config.hyperparams === undefined ? {} : config.hyperparams;
    for (const key of Object.keys(kwargs)) {
      if (key === "params") throw pyError("TypeError", `${name}.__init__() got multiple values for argument 'params'`);
      if (!Object.prototype.hasOwnProperty.call(opt.defaults, key)) {
        throw pyError("TypeError", `${name}.__init__() got an unexpected keyword argument ${strRepr(key)}`);
      }
    }
    const h = opt.check({ ...opt.defaults, ...kwargs });
    return { name, opt, h, grad: GRADIENTS[problem], start, steps, schedule };
  }

  // run()'s loop, also keeping each step's effective learning rate. On a non-finite gradient
  // Python raises (Optimizer._check_grads); here the error is kept with the path so far.
  function trace(config) {
    const { opt, h, grad, start, steps, schedule } = prepare(config);
    const x = start; // already a copy, as np.array(x0) is
    const n = x.length;
    const state = opt.init(n, h);
    const path = [x.slice()];
    const effLr = [];
    let error = null;
    for (let t = 1; t <= steps; t++) {
      let g;
      if (schedule) h.lr = checkNumber("lr", schedule(t), 0, inf); // set_lr(opt, lr_schedule(t))
      try {
        g = grad(x);
      } catch (e) {
        error = e;
        break;
      }
      if (n < 2) {
        error = pyError("IndexError", `index ${n} is out of bounds for axis 0 with size ${n}`); // x[n] in the gradient
        break;
      }
      if (g.length !== n) {
        // np.asarray(grad(x)).reshape(x.shape)
        error = pyError("ValueError", `cannot reshape array of size ${g.length} into shape (${n},)`);
        break;
      }
      // Optimizer._check_grads: a non-finite gradient changes nothing and raises
      const bad = g.map((v) => !Number.isFinite(v));
      const count = bad.filter(Boolean).length;
      if (count) {
        const idx = bad.indexOf(true);
        error = pyError(
          "ValueError",
          `Gradient 0 contains ${count} non-finite value(s), first ${floatRepr(g[idx])} at index (${idx},); ` +
            "no parameter or state was changed",
        );
        break;
      }
      opt.update(x, g, state, h, t);
      path.push(x.slice());
      effLr.push(opt.effectiveLr(state, h, t, n));
    }
    return { path, effLr, error };
  }

  // ---------------------------------------------------------------- dynamics.py

  // heavy_ball_contraction(lr, momentum, h): the largest |ζ| over the curvatures, ζ the roots of
  // ζ² − (1 + μ − ηh)ζ + μ = 0 (heavy_ball_eigenvalues); with μ = 0 the root is 1 − ηh
  // (gd_factor) and this is gd_contraction
  function contraction(lr, mu, hs) {
    let q = 0;
    for (const h of hs) {
      const a = 1 + mu - lr * h, disc = a * a - 4 * mu;
      // a complex pair has |ζ|² = ζζ̄ = μ
      const z = disc < 0 ? Math.sqrt(mu) : Math.max(Math.abs(a + Math.sqrt(disc)), Math.abs(a - Math.sqrt(disc))) / 2;
      q = Math.max(q, z);
    }
    return q;
  }

  // The predicted distance q^t‖θ₀ − θ*‖, t = 0..steps, for SGD (gradient descent or heavy ball:
  // no dampening, Nesterov, weight decay or schedule) on a quadratic problem; null elsewhere.
  function envelope(config) {
    const { name, h, start, steps, schedule } = prepare(config);
    const p = problemMeta()[config.problem];
    if (name !== "SGD" || !p.curvatures || schedule || h.dampening || h.nesterov || h.weight_decay) return null;
    const q = contraction(h.lr, h.momentum, p.curvatures);
    const d0 = Math.hypot(start[0] - p.x_min[0], start[1] - p.x_min[1]);
    return Array.from({ length: steps + 1 }, (_, t) => d0 * q ** t);
  }

  function run(config) {
    const result = trace(config);
    if (result.error) throw result.error;
    return result.path;
  }

  // ---------------------------------------------------------------- problem metadata

  // Written into the explorer page at build time by hooks/explorer.py from rmsprop_ref.PROBLEMS:
  // names, start points, minimisers, the plot box and the contour lines of f.
  let metaCache = null;
  function packageMeta() {
    if (metaCache) return metaCache;
    const el = document.getElementById("rmsprop-ref-problems");
    if (!el) return null;
    metaCache = JSON.parse(el.textContent); // {problems: {name: {...}}, optimizers: [class names]}
    return metaCache;
  }
  function problemMeta() {
    const m = packageMeta();
    return m && m.problems;
  }

  // ---------------------------------------------------------------- SVG helpers

  const SVG = "http://www.w3.org/2000/svg";
  function svgEl(tag, attrs, parent) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
    if (parent) parent.appendChild(el);
    return el;
  }
  function htmlEl(tag, attrs, parent, text) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
    if (text !== undefined) el.textContent = text;
    if (parent) parent.appendChild(el);
    return el;
  }
  const r2 = (v) => Math.round(v * 100) / 100;

  // 1, 2 or 5 times a power of ten, at least `raw` (a whole number of steps)
  function niceStep(raw) {
    const p = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
    return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= raw);
  }

  // A line chart of series [{points: [[x, y]], cls}] on a log-y axis with decade ticks.
  function logChart(svg, series, xmax, ylabel) {
    svg.replaceChildren();
    const W = 400, H = 240, L = 50, R = 10, T = 10, B = 34;
    let lo = Infinity, hi = -Infinity;
    for (const s of series) {
      if (s.fit === false) continue;
      for (const [, y] of s.points) {
        if (y > 0 && Number.isFinite(y)) {
          lo = Math.min(lo, y);
          hi = Math.max(hi, y);
        }
      }
    }
    if (!(lo <= hi)) {
      lo = 1;
      hi = 10;
    }
    let e0 = Math.floor(Math.log10(lo)), e1 = Math.ceil(Math.log10(hi));
    if (e1 - e0 < 1) e1 = e0 + 1;
    const sx = (x) => L + ((W - L - R) * x) / Math.max(xmax, 1);
    const sy = (y) => T + ((H - T - B) * (e1 - Math.log10(y))) / (e1 - e0);
    const axes = svgEl("g", { class: "rr-axes" }, svg);
    svgEl("path", { d: `M${L} ${T}V${H - B}H${W - R}`, class: "rr-axis" }, axes);
    const every = Math.ceil((e1 - e0) / 6);
    for (let e = e0; e <= e1; e += every) {
      const y = sy(10 ** e);
      svgEl("path", { d: `M${L - 4} ${r2(y)}H${W - R}`, class: "rr-grid" }, axes);
      svgEl("text", { x: L - 6, y: r2(y + 4), "text-anchor": "end" }, axes).textContent = `1e${e}`;
    }
    for (let xv = 0; xv <= xmax; xv += niceStep(xmax / 4)) {
      svgEl("text", { x: r2(sx(xv)), y: H - B + 14, "text-anchor": "middle" }, axes).textContent = String(xv);
    }
    svgEl("text", { x: (L + W - R) / 2, y: H - 4, "text-anchor": "middle" }, axes).textContent = "step t";
    svgEl("text", { x: 12, y: (T + H - B) / 2, "text-anchor": "middle", transform: `rotate(-90 12 ${(T + H - B) / 2})` }, axes).textContent =
      ylabel;
    for (const s of series) {
      const pts = s.points.filter(([, y]) => y > 0 && Number.isFinite(y) && (s.fit !== false || (y >= 10 ** e0 && y <= 10 ** e1)));
      if (!pts.length) continue;
      const d = pts.map(([x, y], i) => `${i ? "L" : "M"}${r2(sx(x))} ${r2(sy(Math.min(Math.max(y, 10 ** e0), 10 ** e1)))}`).join("");
      svgEl("path", { d, class: "rr-line " + s.cls }, svg);
    }
  }

  // ---------------------------------------------------------------- the explorer page

  const ALL = ["SGD", "Adagrad", "RMSprop", "Adam"];
  const SLIDERS = {
    // key: [label, symbol, min, max, step, log, optimizers, schedules (if only some use it)]
    lr: ["learning rate", "η", -4, 1, 0.05, true, ALL],
    alpha: ["decay", "α", 0, 0.999, 0.001, false, ["RMSprop"]],
    beta1: ["decay of m", "β₁", 0, 0.99, 0.01, false, ["Adam"]],
    beta2: ["decay of v", "β₂", 0, 0.999, 0.001, false, ["Adam"]],
    lr_decay: ["learning-rate decay", "δ", 0, 1, 0.01, false, ["Adagrad"]],
    eps: ["epsilon", "ε", -10, 0, 0.5, true, ["Adagrad", "RMSprop", "Adam"]],
    momentum: ["momentum", "μ", 0, 0.95, 0.05, false, ["SGD", "RMSprop"]],
    dampening: ["dampening", "τ", 0, 1, 0.05, false, ["SGD"]],
    weight_decay: ["weight decay", "λ", 0, 1, 0.01, false, ["SGD", "Adam"]],
    // the schedule's arguments (code names: the guide gives them no symbol)
    step_size: ["steps per decay, step_size", "", 1, 100, 1, false, ALL, ["step_decay"]],
    gamma: ["factor per decay, gamma", "", 0.01, 1, 0.01, false, ALL, ["step_decay", "exponential"]],
    t_max: ["cosine's length, t_max", "", 1, 500, 1, false, ALL, ["cosine"]],
  };
  const CHECKS = {
    centered: ["centered (divide by the standard deviation)", ["RMSprop"]],
    eps_in_sqrt: ["ε inside the square root (Keras, optax)", ["Adagrad", "RMSprop"]],
    amsgrad: ["AMSGrad (divide by the largest v so far)", ["Adam"]],
    decoupled_weight_decay: ["decoupled weight decay (AdamW)", ["Adam"]],
    eps_hat: ["ε before the bias correction (Keras)", ["Adam"]],
    nesterov: ["Nesterov (step along g + μb)", ["SGD"]],
  };
  const SCHEDULE_LABELS = { constant: "constant", step_decay: "step decay", exponential: "exponential", inverse_sqrt: "1/√t", cosine: "cosine" };
  const visibleFor = (spec, o, i) => spec[i].includes(o.optimizer) && (!spec[i + 1] || spec[i + 1].includes(o.schedule));
  // The default view is the article's run on the comparison page: η = 1, α = 0.9, 30 steps.
  const DEFAULT_OPT = {};
  for (const [key, optimizer, eps] of [["a", "RMSprop", 1e-8], ["b", "Adagrad", 1e-10]]) {
    DEFAULT_OPT[key] = {
      optimizer, lr: 1, alpha: 0.9, beta1: 0.9, beta2: 0.999, eps, momentum: 0, dampening: 0, lr_decay: 0, weight_decay: 0,
      centered: false, eps_in_sqrt: false, amsgrad: false, decoupled_weight_decay: false, eps_hat: false, nesterov: false,
      schedule: "constant", step_size: 10, gamma: 0.5, t_max: 30,
    };
  }
  // Log sliders move the exponent; the value is rounded to 3 significant digits so the
  // URL and the Python snippet carry short numbers.
  const fromSlider = (v, log) => (log ? Number((10 ** v).toPrecision(3)) : Number(v));
  const toSlider = (v, log) => (log ? Math.log10(v) : v);

  function hyperparamsOf(o) {
    if (o.optimizer === "SGD") {
      const { lr, momentum, dampening, weight_decay, nesterov } = o;
      return { lr, momentum, dampening, weight_decay, nesterov };
    }
    if (o.optimizer === "Adagrad") return { lr: o.lr, lr_decay: o.lr_decay, eps: o.eps, eps_in_sqrt: o.eps_in_sqrt };
    if (o.optimizer === "Adam") {
      const { lr, eps, weight_decay, amsgrad, decoupled_weight_decay, eps_hat } = o;
      return { lr, betas: [o.beta1, o.beta2], eps, weight_decay, amsgrad, decoupled_weight_decay, eps_hat };
    }
    return { lr: o.lr, alpha: o.alpha, eps: o.eps, momentum: o.momentum, centered: o.centered, eps_in_sqrt: o.eps_in_sqrt };
  }

  // the schedule's factory and keyword arguments (null: a constant rate)
  function scheduleOf(o) {
    const kw = { step_decay: ["lr", "step_size", "gamma"], exponential: ["lr", "gamma"], inverse_sqrt: ["lr"], cosine: ["lr", "t_max"] }[o.schedule];
    return kw ? { name: o.schedule, kwargs: Object.fromEntries(kw.map((k) => [k, o[k]])) } : null;
  }

  function pyLiteral(v) {
    if (Array.isArray(v)) return `(${v.map(pyLiteral).join(", ")})`; // betas
    return typeof v === "boolean" ? (v ? "True" : "False") : floatRepr(v);
  }

  // The snippet "Copy as Python" copies, and the line it prints, formatted as Python does.
  function pythonSnippet(st, runs) {
    const used = [...new Set(runs.map((r) => r.o.optimizer))].sort();
    const scheds = [...new Set(runs.map((r) => scheduleOf(r.o)).filter(Boolean).map((c) => c.name))].sort();
    const names = ["PROBLEMS", ...used, "run", ...scheds].join(", ");
    const lines = [`from rmsprop_ref import ${names}`, "", `problem = PROBLEMS[${strRepr(st.problem)}]`];
    const start = `[${st.start.map(floatRepr).join(", ")}]`;
    for (const r of runs) {
      const kw = Object.entries(hyperparamsOf(r.o)).map(([k, v]) => `${k}=${pyLiteral(v)}`);
      const sch = scheduleOf(r.o);
      // integers (step_size, t_max) stay ints: the factories refuse 10.0
      const arg = (k, v) => (k === "step_size" || k === "t_max" ? String(v) : pyLiteral(v));
      if (sch) kw.push(`lr_schedule=${sch.name}(${Object.entries(sch.kwargs).map(([k, v]) => arg(k, v)).join(", ")})`);
      lines.push(`path_${r.key} = run(`, `    ${r.o.optimizer}, problem.grad, ${start}, ${st.steps},`);
      let line = "   ";
      for (const item of kw) {
        if (line.length + item.length + 2 > 84) {
          lines.push(line);
          line = "   ";
        }
        line += ` ${item},`;
      }
      lines.push(line, ")");
    }
    for (const r of runs) lines.push(`print(${strRepr(r.key.toUpperCase() + ":")}, path_${r.key}[-1].tolist())`);
    return lines.join("\n") + "\n";
  }

  function shownLastPoint(key, result) {
    if (result.error) return `${key.toUpperCase()}: ${result.error.name}: ${result.error.message}`;
    const last = result.path[result.path.length - 1];
    return `${key.toUpperCase()}: [${last.map(floatRepr).join(", ")}]`;
  }

  function readUrl(meta) {
    const q = new URLSearchParams(location.search);
    const names = Object.keys(meta);
    const problem = names.includes(q.get("problem")) ? q.get("problem") : names.includes("quadratic") ? "quadratic" : names[0];
    const num = (key, fallback, ok) => {
      const v = q.has(key) ? Number(q.get(key)) : NaN;
      return Number.isFinite(v) && ok(v) ? v : fallback;
    };
    const steps = Math.round(num("steps", 30, (v) => v >= 1 && v <= 500));
    let start = meta[problem].start.slice();
    if (q.has("start")) {
      const s = q.get("start").split(",").map(Number);
      if (s.length === 2 && s.every(Number.isFinite)) start = s;
    }
    const st = { problem, steps, start, opts: {} };
    for (const key of ["a", "b"]) {
      const d = DEFAULT_OPT[key];
      const name = q.get(key);
      const o = { ...d };
      if (name === "none" && key === "b") o.optimizer = "none";
      else if (OPTIMIZER_NAMES.includes(name)) o.optimizer = name;
      if (q.get(`${key}.schedule`) in SCHEDULE_LABELS) o.schedule = q.get(`${key}.schedule`);
      for (const [k, spec] of Object.entries(SLIDERS)) {
        const [, , min, max, step, log] = spec;
        o[k] = num(`${key}.${k}`, d[k], (v) => {
          const s = toSlider(v, log);
          return s >= min - 1e-9 && s <= max + 1e-9 && (step !== 1 || Number.isInteger(v));
        });
      }
      for (const k of Object.keys(CHECKS)) if (q.has(`${key}.${k}`)) o[k] = q.get(`${key}.${k}`) === "1";
      st.opts[key] = o;
    }
    return st;
  }

  function writeUrl(st) {
    const q = new URLSearchParams();
    q.set("problem", st.problem);
    q.set("steps", String(st.steps));
    q.set("start", st.start.join(","));
    for (const key of ["a", "b"]) {
      const o = st.opts[key];
      q.set(key, o.optimizer);
      if (o.optimizer === "none") continue;
      if (o.schedule !== "constant") q.set(`${key}.schedule`, o.schedule);
      for (const [k, spec] of Object.entries(SLIDERS)) if (visibleFor(spec, o, 6)) q.set(`${key}.${k}`, String(o[k]));
      for (const [k, spec] of Object.entries(CHECKS)) if (visibleFor(spec, o, 1)) q.set(`${key}.${k}`, o[k] ? "1" : "0");
    }
    history.replaceState(history.state, "", `${location.pathname}?${q}${location.hash}`);
  }

  let uid = 0;
  function buildExplorer(root) {
    const meta = problemMeta();
    if (!meta) return;
    const st = readUrl(meta);
    root.replaceChildren();
    const id = (s) => `rr-${s}-${++uid}`;

    // Controls beside the contour plot (wide) or below it (narrow); explorer.css keeps the
    // plot in view while a slider moves
    const layout = htmlEl("div", { class: "rr-layout" }, root);
    const controls = htmlEl("div", { class: "rr-controls" }, layout);
    const common = htmlEl("fieldset", { class: "rr-fieldset" }, controls);
    htmlEl("legend", {}, common, "Problem");
    const probId = id("problem");
    htmlEl("label", { for: probId }, common, "Problem");
    const probSel = htmlEl("select", { id: probId, name: "problem" }, common);
    for (const [name, p] of Object.entries(meta)) htmlEl("option", { value: name }, probSel, p.label);
    probSel.value = st.problem;
    const formula = htmlEl("p", { class: "rr-formula" }, common);
    const stepsCtl = slider(common, "steps", "number of steps", "", 1, 500, 1);
    const startRow = htmlEl("div", { class: "rr-start" }, common);
    const startInputs = [0, 1].map((i) => {
      const sid = id("start");
      htmlEl("label", { for: sid }, startRow, `start θ${i ? "₂" : "₁"}`);
      return htmlEl("input", { id: sid, type: "number", step: "0.1", name: `start${i + 1}` }, startRow);
    });
    htmlEl("p", { class: "rr-hint" }, common, "Click the contour plot to move the start θ₀.");

    const optCtls = {};
    for (const key of ["a", "b"]) {
      const fs = htmlEl("fieldset", { class: `rr-fieldset rr-opt-${key}` }, controls);
      htmlEl("legend", {}, fs, `Optimizer ${key.toUpperCase()}`);
      const sid = id("opt");
      htmlEl("label", { for: sid }, fs, `optimizer ${key.toUpperCase()}`);
      const sel = htmlEl("select", { id: sid, name: `optimizer-${key}` }, fs);
      for (const n of key === "b" ? [...OPTIMIZER_NAMES, "none"] : OPTIMIZER_NAMES) htmlEl("option", { value: n }, sel, n);
      const ctl = { sel, sliders: {}, checks: {} };
      for (const [k, [label, sym, min, max, step, log]] of Object.entries(SLIDERS)) {
        if (k === "step_size") {
          const schId = id("schedule");
          ctl.schedWrap = htmlEl("div", {}, fs);
          htmlEl("label", { for: schId }, ctl.schedWrap, "learning-rate schedule");
          ctl.sched = htmlEl("select", { id: schId, name: `${key}-schedule` }, ctl.schedWrap);
          for (const [v, text] of Object.entries(SCHEDULE_LABELS)) htmlEl("option", { value: v }, ctl.sched, text);
        }
        ctl.sliders[k] = slider(fs, `${key}-${k}`, `${label} ${sym}`, log ? " (log scale)" : "", min, max, step, log);
      }
      for (const [k, [label]] of Object.entries(CHECKS)) {
        const cid = id(k);
        const wrap = htmlEl("div", { class: "rr-check" }, fs);
        const box = htmlEl("input", { id: cid, type: "checkbox", name: `${key}-${k}` }, wrap);
        htmlEl("label", { for: cid }, wrap, label);
        ctl.checks[k] = { box, wrap };
      }
      optCtls[key] = ctl;
    }

    // Views
    const contourFig = htmlEl("figure", { class: "rr-figure rr-contour-figure" }, layout);
    const views = htmlEl("div", { class: "rr-views" }, root);
    const contour = svgEl("svg", { viewBox: "0 0 400 400", class: "rr-svg rr-contour", role: "img" }, contourFig);
    const legend = htmlEl("figcaption", {}, contourFig);
    const distFig = htmlEl("figure", { class: "rr-figure" }, views);
    const dist = svgEl("svg", { viewBox: "0 0 400 240", class: "rr-svg rr-distance", role: "img" }, distFig);
    htmlEl("figcaption", {}, distFig, "Distance to the minimum, ‖θ_t − θ*‖, against step t (log scale); dashed: SGD's predicted q^t‖θ₀ − θ*‖ on a quadratic.");
    const lrFig = htmlEl("figure", { class: "rr-figure" }, views);
    const lrSvg = svgEl("svg", { viewBox: "0 0 400 240", class: "rr-svg rr-efflr", role: "img" }, lrFig);
    htmlEl("figcaption", {}, lrFig, "Effective learning rate of θ₁ (solid) and θ₂ (dashed) after step t (log scale).");

    // Result and snippet
    const result = htmlEl("div", { class: "rr-result" }, root);
    htmlEl("p", {}, result, "The last point of each path, as the Python snippet below prints it:");
    const shown = htmlEl("pre", { class: "rr-last" }, result);
    const copyBtn = htmlEl("button", { type: "button", class: "md-button rr-copy" }, result, "Copy as Python");
    const copied = htmlEl("span", { class: "rr-copied", role: "status" }, result);
    const snippet = htmlEl("pre", { class: "rr-snippet" }, result);
    const snippetCode = htmlEl("code", {}, snippet);

    function slider(parent, name, label, note, min, max, step, log) {
      const sid = id(name);
      const wrap = htmlEl("div", { class: "rr-slider" }, parent);
      const lab = htmlEl("label", { for: sid }, wrap, label);
      if (note) htmlEl("span", { class: "rr-note" }, lab, note);
      const input = htmlEl("input", { id: sid, type: "range", min, max, step, name }, wrap);
      const out = htmlEl("output", { for: sid }, wrap);
      return { input, out, wrap, log: !!log };
    }
    function setSlider(s, value) {
      s.input.value = String(toSlider(value, s.log));
      s.out.textContent = String(value);
      s.input.setAttribute("aria-valuetext", String(value));
    }

    function syncControls() {
      probSel.value = st.problem;
      formula.innerHTML = meta[st.problem].formula;
      setSlider(stepsCtl, st.steps);
      startInputs.forEach((inp, i) => (inp.value = String(st.start[i])));
      for (const key of ["a", "b"]) {
        const o = st.opts[key], c = optCtls[key];
        c.sel.value = o.optimizer;
        c.sched.value = o.schedule;
        c.schedWrap.hidden = o.optimizer === "none";
        for (const [k, spec] of Object.entries(SLIDERS)) {
          setSlider(c.sliders[k], o[k]);
          c.sliders[k].wrap.hidden = !visibleFor(spec, o, 6);
        }
        for (const [k, spec] of Object.entries(CHECKS)) {
          c.checks[k].box.checked = o[k];
          c.checks[k].wrap.hidden = !visibleFor(spec, o, 1);
        }
      }
    }

    function draw() {
      const p = meta[st.problem];
      const runs = [];
      for (const key of ["a", "b"]) {
        const o = st.opts[key];
        if (o.optimizer === "none") continue;
        const cfg = { optimizer: o.optimizer, problem: st.problem, start: st.start.slice(), steps: st.steps, hyperparams: hyperparamsOf(o), lr_schedule: scheduleOf(o) };
        let res;
        try {
          res = trace(cfg);
        } catch (e) {
          res = { path: [st.start.slice()], effLr: [], error: e }; // settings the package refuses
        }
        runs.push({ key, o, res, cfg });
      }
      // contour plot: the build's contour lines, then the paths
      const [x0, x1, y0, y1] = p.box;
      const px = (x) => (400 * (x - x0)) / (x1 - x0);
      const py = (y) => (400 * (y1 - y)) / (y1 - y0);
      contour.replaceChildren();
      svgEl("rect", { x: 0, y: 0, width: 400, height: 400, class: "rr-frame" }, contour);
      const lines = svgEl("g", { class: "rr-levels" }, contour);
      for (const d of p.contours) svgEl("path", { d }, lines);
      const ticks = svgEl("g", { class: "rr-axes" }, contour);
      svgEl("text", { x: 396, y: 392, "text-anchor": "end" }, ticks).textContent = `θ₁ ∈ [${x0}, ${x1}]`;
      svgEl("text", { x: 6, y: 16 }, ticks).textContent = `θ₂ ∈ [${y0}, ${y1}]`;
      svgEl("path", { d: `M${r2(px(p.x_min[0])) - 6} ${r2(py(p.x_min[1]))}h12m-6 -6v12`, class: "rr-min" }, contour);
      const clip = (v) => Math.max(-4000, Math.min(4400, v)); // diverged paths: keep the SVG numbers sane
      for (const r of runs.slice().reverse()) {
        const d = r.res.path.map(([x, y], i) => `${i ? "L" : "M"}${r2(clip(px(x)))} ${r2(clip(py(y)))}`).join("");
        svgEl("path", { d, class: `rr-line rr-path rr-${r.key}` }, contour);
        const last = r.res.path[r.res.path.length - 1];
        svgEl("circle", { cx: r2(clip(px(last[0]))), cy: r2(clip(py(last[1]))), r: 3.5, class: `rr-dot rr-${r.key}` }, contour);
      }
      svgEl("circle", { cx: r2(px(st.start[0])), cy: r2(py(st.start[1])), r: 4, class: "rr-start-dot" }, contour);
      const desc = runs.map((r) => `${r.key.toUpperCase()} ${r.o.optimizer}`).join(" and ");
      contour.setAttribute("aria-label", `Contours of ${p.label} with the paths of ${desc || "no optimizer"} from θ₀ = (${st.start.join(", ")})`);
      legend.replaceChildren();
      legend.append(`Contours of f, the ${p.label}, with θ* marked +. `);
      for (const r of runs) {
        const item = htmlEl("span", { class: `rr-key rr-${r.key}` }, legend, `${r.key.toUpperCase()}: ${r.o.optimizer}`);
        item.insertAdjacentText("afterend", " ");
      }

      // distance to the minimum
      const distSeries = runs.map((r) => ({
        cls: `rr-${r.key}`,
        points: r.res.path.map(([x, y], t) => [t, Math.hypot(x - p.x_min[0], y - p.x_min[1])]),
      }));
      for (const r of runs) {
        let env = null;
        try {
          env = envelope(r.cfg);
        } catch (e) {} // settings the package refuses: no prediction either
        if (env) distSeries.push({ cls: `rr-${r.key} rr-dashed rr-envelope`, fit: false, points: env.map((v, t) => [t, v]) });
      }
      logChart(dist, distSeries, st.steps, "‖θ_t − θ*‖");
      dist.setAttribute("aria-label", "Distance to the minimum against step, log scale");
      // effective learning rate per coordinate
      const lrSeries = [];
      for (const r of runs) {
        for (const i of [0, 1]) {
          lrSeries.push({ cls: `rr-${r.key}${i ? " rr-dashed" : ""}`, points: r.res.effLr.map((v, t) => [t + 1, v[i]]) });
        }
      }
      logChart(lrSvg, lrSeries, st.steps, "effective learning rate");
      lrSvg.setAttribute("aria-label", "Effective learning rate of each coordinate against step, log scale");

      shown.textContent = runs.map((r) => shownLastPoint(r.key, r.res)).join("\n");
      snippetCode.textContent = pythonSnippet(st, runs);
      writeUrl(st);
    }

    function update() {
      syncControls();
      draw();
    }

    probSel.addEventListener("change", () => {
      st.problem = probSel.value;
      st.start = meta[st.problem].start.slice();
      update();
    });
    stepsCtl.input.addEventListener("input", () => {
      st.steps = Math.round(Number(stepsCtl.input.value));
      update();
    });
    startInputs.forEach((inp, i) =>
      inp.addEventListener("change", () => {
        const v = Number(inp.value);
        if (inp.value !== "" && Number.isFinite(v)) st.start[i] = v;
        update();
      }),
    );
    contour.addEventListener("click", (ev) => {
      const m = contour.getScreenCTM();
      if (!m) return;
      const pt = new DOMPoint(ev.clientX, ev.clientY).matrixTransform(m.inverse());
      const [x0, x1, y0, y1] = meta[st.problem].box;
      st.start = [r2(x0 + ((x1 - x0) * pt.x) / 400), r2(y1 - ((y1 - y0) * pt.y) / 400)];
      update();
    });
    for (const key of ["a", "b"]) {
      const c = optCtls[key];
      c.sel.addEventListener("change", () => {
        st.opts[key].optimizer = c.sel.value;
        update();
      });
      c.sched.addEventListener("change", () => {
        st.opts[key].schedule = c.sched.value;
        update();
      });
      for (const [k, s] of Object.entries(c.sliders)) {
        s.input.addEventListener("input", () => {
          st.opts[key][k] = fromSlider(s.input.value, s.log);
          update();
        });
      }
      for (const [k, ch] of Object.entries(c.checks)) {
        ch.box.addEventListener("change", () => {
          st.opts[key][k] = ch.box.checked;
          update();
        });
      }
    }
    copyBtn.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(snippetCode.textContent);
        copied.textContent = "copied";
      } catch (e) {
        copied.textContent = "select the code below and copy it";
      }
    });
    update();
    // when the explorer answers input, in ms after navigation start (benchmarks/bench_site.py)
    root.dataset.readyAt = performance.now().toFixed(1);
    root.dataset.ready = "true";
  }

  // ---------------------------------------------------------------- the EWMA widget (ewma/)

  // A fixed noisy series around 5: a small seeded generator (mulberry32), the same on every load.
  function noisySeries(n, seed) {
    let a = seed >>> 0;
    const rand = () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    return Array.from({ length: n }, () => 5 + 3 * (rand() + rand() - 1));
  }

  // ewma.py: prev = beta * prev + (1 - beta) * x[t]; corrected v / (1 - beta**t)
  function ewmaSeries(x, beta) {
    let prev = 0;
    const raw = [], corrected = [];
    x.forEach((xt, i) => {
      prev = beta * prev + (1 - beta) * xt;
      raw.push(prev);
      corrected.push(prev / (1 - beta ** (i + 1)));
    });
    return { raw, corrected };
  }

  function buildEwma(root) {
    root.replaceChildren();
    const beta0 = Number(root.dataset.beta || 0.9);
    const sid = `rr-beta-${++uid}`;
    const wrap = htmlEl("div", { class: "rr-slider" }, root);
    htmlEl("label", { for: sid }, wrap, "decay β");
    const input = htmlEl("input", { id: sid, type: "range", min: 0, max: 0.99, step: 0.01, name: "beta" }, wrap);
    const out = htmlEl("output", { for: sid }, wrap);
    const views = htmlEl("div", { class: "rr-views" }, root);
    const wFig = htmlEl("figure", { class: "rr-figure" }, views);
    const wSvg = svgEl("svg", { viewBox: "0 0 400 240", class: "rr-svg rr-weights", role: "img" }, wFig);
    const wCap = htmlEl("figcaption", {}, wFig);
    const sFig = htmlEl("figure", { class: "rr-figure" }, views);
    const sSvg = svgEl("svg", { viewBox: "0 0 400 240", class: "rr-svg rr-series", role: "img" }, sFig);
    const sCap = htmlEl("figcaption", {}, sFig);
    const x = noisySeries(60, 7);

    function draw() {
      const beta = Number(input.value);
      out.textContent = beta.toFixed(2);
      input.setAttribute("aria-valuetext", beta.toFixed(2));
      const K = 30;
      const weights = Array.from({ length: K }, (_, k) => (1 - beta) * beta ** k);
      const { raw, corrected } = ewmaSeries(x, beta);
      root.rrEwma = { beta, x, raw, corrected, weights };

      const W = 400, H = 240, L = 40, R = 10, T = 10, B = 34;
      // weights of the value k steps back
      wSvg.replaceChildren();
      // the y axis ends at the largest weight, 1 − β, rounded up to one significant digit,
      // so the tallest bar fills more than half of it
      const e = 10 ** Math.floor(Math.log10(1 - beta));
      const top = Number((Math.ceil((1 - beta) / e - 1e-9) * e).toPrecision(1));
      const wx = (k) => L + ((W - L - R) * (k + 0.5)) / K;
      const wy = (w) => H - B - ((H - T - B) * w) / top;
      const axes = svgEl("g", { class: "rr-axes" }, wSvg);
      svgEl("path", { d: `M${L} ${T}V${H - B}H${W - R}`, class: "rr-axis" }, axes);
      for (const w of [0, top / 2, top]) {
        svgEl("text", { x: L - 6, y: r2(wy(w) + 4), "text-anchor": "end", class: "rr-tick" }, axes).textContent = String(Number(w.toPrecision(2)));
      }
      for (const k of [0, 10, 20, 29]) svgEl("text", { x: r2(wx(k)), y: H - B + 14, "text-anchor": "middle" }, axes).textContent = String(k);
      svgEl("text", { x: (L + W - R) / 2, y: H - 4, "text-anchor": "middle" }, axes).textContent = "k, steps back";
      const bars = svgEl("g", { class: "rr-bars rr-a" }, wSvg);
      weights.forEach((w, k) => svgEl("rect", { x: r2(wx(k) - 4), y: r2(wy(w)), width: 8, height: r2(H - B - wy(w)) }, bars));
      wSvg.setAttribute("aria-label", `Weights (1 − β)β^k of the value k steps back, at β = ${beta.toFixed(2)}`);
      wCap.textContent = `Weight (1 − β)β^k of the value k steps back, β = ${beta.toFixed(2)}.`;

      // the series and its two averages
      sSvg.replaceChildren();
      const lo = 0, hi = 10;
      const sx = (t) => L + ((W - L - R) * t) / x.length;
      const sy = (v) => T + ((H - T - B) * (hi - Math.min(Math.max(v, lo), hi))) / (hi - lo);
      const ax2 = svgEl("g", { class: "rr-axes" }, sSvg);
      svgEl("path", { d: `M${L} ${T}V${H - B}H${W - R}`, class: "rr-axis" }, ax2);
      for (const v of [0, 5, 10]) svgEl("text", { x: L - 6, y: r2(sy(v) + 4), "text-anchor": "end" }, ax2).textContent = String(v);
      for (const t of [1, 20, 40, 60]) svgEl("text", { x: r2(sx(t)), y: H - B + 14, "text-anchor": "middle" }, ax2).textContent = String(t);
      svgEl("text", { x: (L + W - R) / 2, y: H - 4, "text-anchor": "middle" }, ax2).textContent = "t";
      const dots = svgEl("g", { class: "rr-samples" }, sSvg);
      x.forEach((v, i) => svgEl("circle", { cx: r2(sx(i + 1)), cy: r2(sy(v)), r: 2 }, dots));
      const line = (vals) => vals.map((v, i) => `${i ? "L" : "M"}${r2(sx(i + 1))} ${r2(sy(v))}`).join("");
      svgEl("path", { d: line(raw), class: "rr-line rr-b rr-raw" }, sSvg);
      svgEl("path", { d: line(corrected), class: "rr-line rr-a rr-corrected" }, sSvg);
      sSvg.setAttribute("aria-label", `A noisy series around 5 with its EWMA v_t and the bias-corrected v̂_t, β = ${beta.toFixed(2)}`);
      sCap.replaceChildren();
      sCap.append("Noisy series x_t (dots), ");
      htmlEl("span", { class: "rr-key rr-b" }, sCap, "EWMA v_t from v₀ = 0");
      sCap.append(" and ");
      htmlEl("span", { class: "rr-key rr-a" }, sCap, "bias-corrected v̂_t = v_t / (1 − β^t)");
      sCap.append(".");
    }
    input.value = String(beta0);
    input.addEventListener("input", draw);
    draw();
    root.dataset.ready = "true";
  }

  // ---------------------------------------------------------------- start-up

  function init() {
    metaCache = null; // a new page (instant navigation) may carry other metadata
    document.querySelectorAll(".rr-explorer").forEach(buildExplorer);
    document.querySelectorAll(".rr-ewma").forEach(buildEwma);
  }

  window.rmspropRef = { run, trace, envelope, contraction, floatRepr, pyRepr, problems: () => Object.keys(GRADIENTS), optimizers: () => OPTIMIZER_NAMES.slice() };
  // Material re-renders the content on instant navigation and announces it through
  // document$; without it (this site), the DOM is ready once.
  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
