/** Types for libsvm-js 0.2 (mljs; emscripten build of libsvm 3.x). The asm.js build loads synchronously. */
declare module 'libsvm-js/asm.js' {
  interface SVMOptions {
    type?: string;
    kernel?: string;
    degree?: number;
    gamma?: number;
    coef0?: number;
    cost?: number;
    nu?: number;
    epsilon?: number;
    cacheSize?: number;
    tolerance?: number;
    shrinking?: boolean;
    probabilityEstimates?: boolean;
    quiet?: boolean;
  }
  class SVM {
    constructor(options: SVMOptions);
    train(samples: number[][], labels: number[]): void;
    predict(samples: number[][]): number[];
    predictOne(sample: number[]): number;
    getSVIndices(): number[];
    serializeModel(): string;
    free(): void;
    static SVM_TYPES: { C_SVC: string; NU_SVC: string; ONE_CLASS: string; EPSILON_SVR: string; NU_SVR: string };
    static KERNEL_TYPES: { LINEAR: string; POLYNOMIAL: string; RBF: string; SIGMOID: string; PRECOMPUTED: string };
  }
  export default SVM;
}
