(function (exports, require, module, natives) {
  'use strict';
  // Node's Web Crypto (crypto.webcrypto, globalThis.crypto) over the crypto
  // module: getRandomValues, randomUUID and a SubtleCrypto with digest,
  // importKey, exportKey, generateKey, sign, verify, encrypt and decrypt for
  // HMAC, AES-GCM, AES-CBC, AES-CTR, ECDSA, RSASSA-PKCS1-v1_5, RSA-PSS, RSA-OAEP and
  // Ed25519. Every SubtleCrypto method returns a promise and rejects where
  // Node's does.
  // natives is a crypto module of its own, which the reactor cannot reach:
  // what it does to require('crypto') does not change the Web Crypto.
  const nodeCrypto = natives;
  const { Buffer } = require('buffer');

  const domCodes = {
    IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4, InvalidCharacterError: 5,
    NoModificationAllowedError: 7, NotFoundError: 8, NotSupportedError: 9, InvalidStateError: 11,
    SyntaxError: 12, InvalidModificationError: 13, NamespaceError: 14, InvalidAccessError: 15,
    TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20, URLMismatchError: 21,
    QuotaExceededError: 22, TimeoutError: 23, InvalidNodeTypeError: 24, DataCloneError: 25,
  };
  class DOMException extends Error {
    constructor(message, name) {
      super(message === undefined ? '' : String(message));
      Object.defineProperty(this, 'name', { value: name === undefined ? 'Error' : String(name), writable: true, configurable: true });
    }
    get code() {
      return domCodes[this.name] || 0;
    }
    get [Symbol.toStringTag]() {
      return 'DOMException';
    }
  }
  const dom = (message, name) => new DOMException(message, name);

  function codedTypeError(code, message) {
    const e = new TypeError(message);
    e.code = code;
    return e;
  }
  const ordinals = ['1st', '2nd', '3rd', '4th', '5th'];
  function bufferSource(v, method, i) {
    if (v instanceof ArrayBuffer) return Buffer.from(new Uint8Array(v));
    if (ArrayBuffer.isView(v)) return Buffer.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    throw codedTypeError('ERR_INVALID_ARG_TYPE', "Failed to execute '" + method + "' on 'SubtleCrypto': " + ordinals[i] +
      ' argument is not instance of ArrayBuffer, Buffer, TypedArray, or DataView.');
  }
  // goja_nodejs's Buffer has no URL-safe base64.
  function b64u(buf) {
    return buf.toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  }
  function unb64u(str) {
    return Buffer.from(String(str).replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  }
  function toArrayBuffer(buf) {
    const ab = new ArrayBuffer(buf.length);
    new Uint8Array(ab).set(buf);
    return ab;
  }

  const algNames = ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512', 'HMAC', 'AES-GCM', 'AES-CBC', 'AES-CTR', 'ECDSA',
    'RSASSA-PKCS1-v1_5', 'RSA-PSS', 'RSA-OAEP', 'Ed25519', 'PBKDF2', 'HKDF'];
  // The algorithms each operation knows, as Node's registry has them.
  const supports = {
    digest: ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'],
    importKey: ['HMAC', 'AES-GCM', 'AES-CBC', 'AES-CTR', 'ECDSA', 'RSASSA-PKCS1-v1_5', 'RSA-PSS', 'RSA-OAEP', 'Ed25519', 'PBKDF2', 'HKDF'],
    deriveBits: ['PBKDF2', 'HKDF'],
    generateKey: ['HMAC', 'AES-GCM', 'AES-CBC', 'AES-CTR', 'ECDSA', 'RSASSA-PKCS1-v1_5', 'RSA-PSS', 'RSA-OAEP', 'Ed25519'],
    sign: ['HMAC', 'ECDSA', 'RSASSA-PKCS1-v1_5', 'RSA-PSS', 'Ed25519'],
    encrypt: ['AES-GCM', 'AES-CBC', 'AES-CTR', 'RSA-OAEP'],
  };
  supports.verify = supports.sign;
  supports.decrypt = supports.encrypt;
  const nodeHash = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

  function normalize(alg, op) {
    if (typeof alg === 'string') alg = { name: alg };
    if (alg === null || typeof alg !== 'object') {
      throw codedTypeError('ERR_INVALID_ARG_TYPE', 'The "algorithm" argument must be of type object. Received ' + String(alg));
    }
    if (alg.name === undefined) {
      throw codedTypeError('ERR_MISSING_OPTION', "Failed to normalize algorithm: passed algorithm can not be converted to 'Algorithm' because 'name' is required in 'Algorithm'.");
    }
    const name = algNames.find((n) => n.toUpperCase() === String(alg.name).toUpperCase());
    if (!name || !supports[op].includes(name)) throw dom('Unrecognized algorithm name', 'NotSupportedError');
    const out = Object.assign({}, alg, { name });
    if (out.hash !== undefined) out.hash = { name: normalize(out.hash, 'digest').name };
    checkMembers(out, op);
    return out;
  }
  function needHash(alg) {
    return alg.hash;
  }
  // The members each operation's parameters require, by dictionary.
  const dictionaries = {
    importKey: { HMAC: ['HmacImportParams', 'hash'], ECDSA: ['EcKeyImportParams', 'namedCurve'], 'RSASSA-PKCS1-v1_5': ['RsaHashedImportParams', 'hash'],
      'RSA-PSS': ['RsaHashedImportParams', 'hash'], 'RSA-OAEP': ['RsaHashedImportParams', 'hash'] },
    generateKey: { HMAC: ['HmacKeyGenParams', 'hash'], 'AES-GCM': ['AesKeyGenParams', 'length'], 'AES-CBC': ['AesKeyGenParams', 'length'], 'AES-CTR': ['AesKeyGenParams', 'length'],
      ECDSA: ['EcKeyGenParams', 'namedCurve'], 'RSASSA-PKCS1-v1_5': ['RsaHashedKeyGenParams', 'modulusLength', 'publicExponent', 'hash'],
      'RSA-PSS': ['RsaHashedKeyGenParams', 'modulusLength', 'publicExponent', 'hash'], 'RSA-OAEP': ['RsaHashedKeyGenParams', 'modulusLength', 'publicExponent', 'hash'] },
    sign: { ECDSA: ['EcdsaParams', 'hash'], 'RSA-PSS': ['RsaPssParams', 'saltLength'] },
    encrypt: { 'AES-GCM': ['AesGcmParams', 'iv'], 'AES-CBC': ['AesCbcParams', 'iv'], 'AES-CTR': ['AesCtrParams', 'counter', 'length'] },
    deriveBits: { PBKDF2: ['Pbkdf2Params', 'hash', 'iterations', 'salt'], HKDF: ['HkdfParams', 'hash', 'info', 'salt'] },
  };
  dictionaries.verify = dictionaries.sign;
  dictionaries.decrypt = dictionaries.encrypt;
  function checkMembers(alg, op) {
    const d = dictionaries[op] && dictionaries[op][alg.name];
    if (!d) return;
    for (const m of d.slice(1)) {
      if (alg[m] === undefined) {
        throw codedTypeError('ERR_MISSING_OPTION', "Failed to normalize algorithm: passed algorithm can not be converted to '" + d[0] +
          "' because '" + m + "' is required in '" + d[0] + "'.");
      }
    }
  }

  // CryptoKey: the reactor sees the class; the slots live in a WeakMap.
  const slots = new WeakMap();
  class CryptoKey {
    constructor() {
      throw codedTypeError('ERR_ILLEGAL_CONSTRUCTOR', 'Illegal constructor');
    }
    get type() { return slot(this).type; }
    get extractable() { return slot(this).extractable; }
    get algorithm() { return slot(this).algorithm; }
    get usages() { return slot(this).usages.slice(); }
    get [Symbol.toStringTag]() { return 'CryptoKey'; }
  }
  function slot(k) {
    const s = slots.get(k);
    if (!s) throw codedTypeError('ERR_INVALID_THIS', 'Value of "this" must be of type CryptoKey');
    return s;
  }
  function makeKey(type, extractable, algorithm, usages, keyObject) {
    const k = Object.create(CryptoKey.prototype);
    // alg is the module's own copy: the reactor may change algorithm.
    const alg = { name: algorithm.name, length: algorithm.length, hash: algorithm.hash && { name: algorithm.hash.name }, namedCurve: algorithm.namedCurve };
    slots.set(k, { type, extractable, algorithm, alg, usages, keyObject });
    return k;
  }
  function keyArg(k, method, i) {
    const s = slots.get(k);
    if (!s) throw codedTypeError('ERR_INVALID_ARG_TYPE', "Failed to execute '" + method + "' on 'SubtleCrypto': " + ordinals[i] + ' argument is not of type CryptoKey.');
    return s;
  }

  const usageSets = {
    HMAC: { secret: ['sign', 'verify'] },
    'AES-GCM': { secret: ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey'] },
    'AES-CBC': { secret: ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey'] },
    'AES-CTR': { secret: ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey'] },
    ECDSA: { public: ['verify'], private: ['sign'] },
    'RSASSA-PKCS1-v1_5': { public: ['verify'], private: ['sign'] },
    'RSA-PSS': { public: ['verify'], private: ['sign'] },
    'RSA-OAEP': { public: ['encrypt', 'wrapKey'], private: ['decrypt', 'unwrapKey'] },
    Ed25519: { public: ['verify'], private: ['sign'] },
    PBKDF2: { secret: ['deriveKey', 'deriveBits'] },
    HKDF: { secret: ['deriveKey', 'deriveBits'] },
  };
  const article = { HMAC: 'an HMAC', 'AES-GCM': 'an AES', 'AES-CBC': 'an AES', 'AES-CTR': 'an AES', ECDSA: 'a ECDSA', 'RSASSA-PKCS1-v1_5': 'an RSASSA-PKCS1-v1_5',
    'RSA-PSS': 'an RSA-PSS', 'RSA-OAEP': 'an RSA-OAEP', Ed25519: 'a Ed25519', PBKDF2: 'a PBKDF2', HKDF: 'a HKDF' };
  function checkUsages(name, type, usages, all) {
    const allowed = all ? [].concat(usageSets[name].public || [], usageSets[name].private || [], usageSets[name].secret || []) : usageSets[name][type];
    for (const u of usages) {
      if (!allowed.includes(u)) throw dom('Unsupported key usage for ' + article[name] + ' key', 'SyntaxError');
    }
    const list = [];
    for (const u of usages) {
      if (!type || usageSets[name][type].includes(u)) list.push(u);
    }
    return list;
  }
  function checkNotEmpty(type, usages) {
    if ((type === 'secret' || type === 'private') && usages.length === 0) {
      throw dom('Usages cannot be empty when importing a ' + type + ' key.', 'SyntaxError');
    }
  }

  const curveBits = { 'P-256': 256, 'P-384': 384, 'P-521': 521 };
  const curveSize = { 'P-256': 32, 'P-384': 48, 'P-521': 66 };
  const jwkHashAlg = {
    HMAC: { 'SHA-1': 'HS1', 'SHA-256': 'HS256', 'SHA-384': 'HS384', 'SHA-512': 'HS512' },
    'RSASSA-PKCS1-v1_5': { 'SHA-1': 'RS1', 'SHA-256': 'RS256', 'SHA-384': 'RS384', 'SHA-512': 'RS512' },
    'RSA-PSS': { 'SHA-1': 'PS1', 'SHA-256': 'PS256', 'SHA-384': 'PS384', 'SHA-512': 'PS512' },
    'RSA-OAEP': { 'SHA-1': 'RSA-OAEP', 'SHA-256': 'RSA-OAEP-256', 'SHA-384': 'RSA-OAEP-384', 'SHA-512': 'RSA-OAEP-512' },
  };
  const aesJwk = { 'AES-GCM': 'GCM', 'AES-CBC': 'CBC', 'AES-CTR': 'CTR' };

  function asymmetricAlgorithm(alg, keyObject) {
    const name = alg.name;
    if (name === 'ECDSA') {
      const crv = keyObject.export({ format: 'jwk' }).crv;
      if (typeof alg.namedCurve !== 'string' || !curveBits[alg.namedCurve]) throw dom('Unrecognized namedCurve', 'NotSupportedError');
      if (crv !== alg.namedCurve) throw dom('Named curve mismatch', 'DataError');
      return { name, namedCurve: alg.namedCurve };
    }
    if (name === 'Ed25519') {
      if (keyObject.asymmetricKeyType !== 'ed25519') throw dom('Invalid key type', 'DataError');
      return { name };
    }
    if (keyObject.asymmetricKeyType !== 'rsa') throw dom('Invalid key type', 'DataError');
    const d = keyObject.asymmetricKeyDetails;
    let e = d.publicExponent;
    const bytes = [];
    while (e > 0n) {
      bytes.unshift(Number(e & 255n));
      e >>= 8n;
    }
    return { name, modulusLength: d.modulusLength, publicExponent: new Uint8Array(bytes), hash: needHash(alg) };
  }

  function importKey(format, keyData, algorithm, extractable, usages) {
    if (!['raw', 'pkcs8', 'spki', 'jwk'].includes(format)) {
      throw codedTypeError('ERR_INVALID_ARG_VALUE', "Failed to execute 'importKey' on 'SubtleCrypto': 1st argument value '" + String(format) +
        "' is not a valid enum value of type KeyFormat.");
    }
    let data = keyData;
    if (format !== 'jwk') data = bufferSource(keyData, 'importKey', 1);
    else if (keyData === null || typeof keyData !== 'object') {
      throw codedTypeError('ERR_INVALID_ARG_TYPE', "Failed to execute 'importKey' on 'SubtleCrypto': 2nd argument is not of type JsonWebKey.");
    }
    const alg = normalize(algorithm, 'importKey');
    extractable = Boolean(extractable);
    const name = alg.name;
    if (name === 'PBKDF2' || name === 'HKDF') {
      if (extractable) throw dom(name + ' keys are not extractable', 'SyntaxError');
      const list = checkUsages(name, 'secret', usages);
      if (format !== 'raw') throw dom('Unable to import ' + name + ' key with format ' + format, 'NotSupportedError');
      return makeKey('secret', false, { name }, list, nodeCrypto.createSecretKey(data));
    }
    if (name === 'HMAC' || name === 'AES-GCM' || name === 'AES-CBC' || name === 'AES-CTR') {
      checkUsages(name, 'secret', usages);
      let raw;
      if (format === 'raw') raw = data;
      else if (format === 'jwk') {
        if (data.kty !== 'oct') throw dom('Invalid JWK "kty" Parameter', 'DataError');
        if (typeof data.k !== 'string') throw dom('Invalid keyData', 'DataError');
        raw = unb64u(data.k);
        if (data.ext === false && extractable) throw dom('JWK "ext" Parameter and extractable mismatch', 'DataError');
      } else throw dom('Unable to import ' + (name === 'HMAC' ? 'HMAC' : 'AES') + ' key with format ' + format, 'NotSupportedError');
      const list = checkUsages(name, 'secret', usages);
      checkNotEmpty('secret', list);
      let algOut;
      if (name === 'HMAC') {
        const hash = needHash(alg);
        if (format === 'jwk' && data.alg !== undefined && data.alg !== jwkHashAlg.HMAC[hash.name]) throw dom('JWK "alg" does not match the requested algorithm', 'DataError');
        let length = raw.length * 8;
        if (alg.length !== undefined && alg.length !== length) throw dom('Invalid key length', 'DataError');
        if (length === 0) throw dom('Zero-length key is not supported', 'DataError');
        algOut = { name, hash, length };
      } else {
        if (![16, 24, 32].includes(raw.length)) throw dom('Invalid key length', 'DataError');
        algOut = { name, length: raw.length * 8 };
      }
      return makeKey('secret', extractable, algOut, list, nodeCrypto.createSecretKey(raw));
    }
    let keyObject;
    let type;
    try {
      if (format === 'raw') {
        if (name === 'ECDSA') {
          const size = curveSize[alg.namedCurve];
          if (!size) throw dom('Unrecognized namedCurve', 'NotSupportedError');
          if (data.length !== 1 + 2 * size || data[0] !== 4) throw dom('Invalid keyData', 'DataError');
          keyObject = nodeCrypto.createPublicKey({ format: 'jwk', key: { kty: 'EC', crv: alg.namedCurve,
            x: b64u(data.subarray(1, 1 + size)), y: b64u(data.subarray(1 + size)) } });
        } else if (name === 'Ed25519') {
          if (data.length !== 32) throw dom('Invalid keyData', 'DataError');
          keyObject = nodeCrypto.createPublicKey({ format: 'jwk', key: { kty: 'OKP', crv: 'Ed25519', x: b64u(data) } });
        } else throw dom('Unable to import RSA key with format raw', 'NotSupportedError');
        type = 'public';
      } else if (format === 'spki') {
        keyObject = nodeCrypto.createPublicKey({ key: data, format: 'der', type: 'spki' });
        type = 'public';
      } else if (format === 'pkcs8') {
        keyObject = nodeCrypto.createPrivateKey({ key: data, format: 'der', type: 'pkcs8' });
        type = 'private';
      } else {
        type = data.d !== undefined ? 'private' : 'public';
        const make = type === 'private' ? nodeCrypto.createPrivateKey : nodeCrypto.createPublicKey;
        keyObject = make({ key: data, format: 'jwk' });
        if (data.ext === false && extractable) throw dom('JWK "ext" Parameter and extractable mismatch', 'DataError');
      }
    } catch (e) {
      if (e instanceof DOMException) throw e;
      throw dom('Invalid keyData', 'DataError');
    }
    const list = checkUsages(name, type, usages);
    if (type === 'private') checkNotEmpty('private', list);
    return makeKey(type, extractable, asymmetricAlgorithm(alg, keyObject), list, keyObject);
  }

  function exportKey(format, key) {
    if (!['raw', 'pkcs8', 'spki', 'jwk'].includes(format)) {
      throw codedTypeError('ERR_INVALID_ARG_VALUE', "Failed to execute 'exportKey' on 'SubtleCrypto': 1st argument value '" + String(format) +
        "' is not a valid enum value of type KeyFormat.");
    }
    const s = keyArg(key, 'exportKey', 1);
    if (!s.extractable) throw dom('key is not extractable', 'InvalidAccessException');
    const name = s.alg.name;
    if (s.type === 'secret') {
      const raw = s.keyObject.export();
      if (format === 'raw') return toArrayBuffer(raw);
      if (format !== 'jwk') throw dom('Unable to export a ' + format + ' ' + name + ' secret key', 'InvalidAccessError');
      const jwk = { key_ops: s.usages.slice(), ext: s.extractable, kty: 'oct', k: b64u(raw) };
      jwk.alg = name === 'HMAC' ? jwkHashAlg.HMAC[s.alg.hash.name] : 'A' + s.alg.length + aesJwk[name];
      return jwk;
    }
    if (format === 'jwk') {
      const jwk = Object.assign({ key_ops: s.usages.slice(), ext: s.extractable }, s.keyObject.export({ format: 'jwk' }));
      if (jwkHashAlg[name]) jwk.alg = jwkHashAlg[name][s.alg.hash.name];
      if (name === 'Ed25519') jwk.alg = 'Ed25519';
      return jwk;
    }
    if (format === 'raw') {
      if (s.type !== 'public' || (name !== 'ECDSA' && name !== 'Ed25519')) throw dom('Unable to export a raw ' + name + ' ' + s.type + ' key', 'InvalidAccessError');
      const jwk = s.keyObject.export({ format: 'jwk' });
      if (name === 'Ed25519') return toArrayBuffer(unb64u(jwk.x));
      return toArrayBuffer(Buffer.concat([Buffer.from([4]), unb64u(jwk.x), unb64u(jwk.y)]));
    }
    if ((format === 'spki') !== (s.type === 'public')) throw dom('Unable to export a ' + format + ' ' + name + ' ' + s.type + ' key', 'InvalidAccessError');
    return toArrayBuffer(s.keyObject.export({ format: 'der', type: format }));
  }

  function generateKey(algorithm, extractable, usages) {
    const alg = normalize(algorithm, 'generateKey');
    extractable = Boolean(extractable);
    const name = alg.name;
    if (name === 'HMAC' || name === 'AES-GCM' || name === 'AES-CBC' || name === 'AES-CTR') {
      const list = checkUsages(name, 'secret', usages);
      let length = alg.length;
      let algOut;
      if (name === 'HMAC') {
        const hash = needHash(alg);
        if (length === undefined) length = { 'SHA-1': 512, 'SHA-256': 512, 'SHA-384': 1024, 'SHA-512': 1024 }[hash.name];
        if (typeof length !== 'number' || length <= 0 || length > 65536) throw dom('Invalid key length', 'OperationError');
        algOut = { name, length, hash };
      } else {
        if (![128, 192, 256].includes(length)) throw dom('AES key length must be 128, 192, or 256 bits', 'OperationError');
        algOut = { name, length };
      }
      checkNotEmpty('secret', list);
      const raw = nodeCrypto.randomBytes(Math.ceil(length / 8));
      return makeKey('secret', extractable, algOut, list, nodeCrypto.createSecretKey(raw));
    }
    checkUsages(name, null, usages, true);
    let pair;
    if (name === 'ECDSA') {
      if (!curveBits[alg.namedCurve]) throw dom('Unrecognized namedCurve', 'NotSupportedError');
      pair = nodeCrypto.generateKeyPairSync('ec', { namedCurve: alg.namedCurve });
    } else if (name === 'Ed25519') {
      pair = nodeCrypto.generateKeyPairSync('ed25519');
    } else {
      needHash(alg);
      const e = alg.publicExponent;
      if (!(e instanceof Uint8Array) || Buffer.from(e).toString('hex').replace(/^0+/, '') !== '10001') {
        throw dom('The reactor sandbox generates RSA keys with the exponent 65537 only', 'OperationError');
      }
      pair = nodeCrypto.generateKeyPairSync('rsa', { modulusLength: alg.modulusLength });
    }
    const privUsages = checkUsages(name, 'private', usages.filter((u) => usageSets[name].private.includes(u)));
    const pubUsages = checkUsages(name, 'public', usages.filter((u) => usageSets[name].public.includes(u)));
    if (privUsages.length === 0) throw dom('Usages cannot be empty when creating a key.', 'SyntaxError');
    const algOut = asymmetricAlgorithm(alg, pair.privateKey);
    return {
      publicKey: makeKey('public', true, algOut, pubUsages, pair.publicKey),
      privateKey: makeKey('private', extractable, algOut, privUsages, pair.privateKey),
    };
  }

  // checkKey: sign and verify say one thing of a wrong key, encrypt and
  // decrypt another, as Node's do.
  function checkKey(s, alg, usage) {
    if (!s.usages.includes(usage) || s.alg.name !== alg.name) {
      if (usage === 'sign' || usage === 'verify') throw dom('Unable to use this key to ' + usage, 'InvalidAccessError');
      throw dom('The requested operation is not valid for the provided key', 'InvalidAccessError');
    }
  }
  function sequence(v, method, i) {
    if (v === null || typeof v !== 'object' || typeof v[Symbol.iterator] !== 'function') {
      throw codedTypeError('ERR_INVALID_ARG_TYPE', "Failed to execute '" + method + "' on 'SubtleCrypto': " + ordinals[i] + ' argument can not be converted to sequence.');
    }
    return Array.from(v, String);
  }

  function signOrVerify(verify, algorithm, key, signature, data) {
    const method = verify ? 'verify' : 'sign';
    const alg = normalize(algorithm, method);
    const s = keyArg(key, method, 1);
    if (verify) signature = bufferSource(signature, method, 2);
    data = bufferSource(data, method, verify ? 3 : 2);
    checkKey(s, alg, method);
    const name = alg.name;
    let out;
    if (name === 'HMAC') {
      const mac = nodeCrypto.createHmac(nodeHash[s.alg.hash.name], s.keyObject).update(data).digest();
      if (!verify) return toArrayBuffer(mac);
      return mac.length === signature.length && nodeCrypto.timingSafeEqual(mac, signature);
    }
    let hash = null;
    const opts = { key: s.keyObject };
    if (name === 'ECDSA') {
      hash = nodeHash[needHash(alg).name];
      opts.dsaEncoding = 'ieee-p1363';
    } else if (name === 'RSASSA-PKCS1-v1_5') {
      hash = nodeHash[s.alg.hash.name];
    } else if (name === 'RSA-PSS') {
      hash = nodeHash[s.alg.hash.name];
      opts.padding = nodeCrypto.constants.RSA_PKCS1_PSS_PADDING;
      opts.saltLength = alg.saltLength;
    }
    if (verify) return nodeCrypto.verify(hash, data, opts, signature);
    out = nodeCrypto.sign(hash, data, opts);
    return toArrayBuffer(out);
  }

  // aesCtr increments the rightmost length bits of the counter only, as the
  // Web Crypto does: crypto's aes-*-ctr carries into all 128 bits, so the
  // data is cut where the low bits wrap. More blocks than 2^length
  // counters would reuse one, and fail.
  function aesCtr(alg, s, data, fail) {
    const counter = bufferSource(alg.counter, 'encrypt', 0);
    if (counter.length !== 16) throw dom('algorithm.counter must contain exactly 16 bytes', 'OperationError');
    const length = alg.length;
    if (!(length >= 1 && length <= 128)) throw dom('AES-CTR algorithm.length must be between 1 and 128', 'OperationError');
    const alg2 = 'aes-' + s.alg.length + '-ctr';
    const blocks = BigInt(Math.ceil(data.length / 16));
    const span = 1n << BigInt(length);
    if (blocks > span) throw fail();
    const c = BigInt('0x' + counter.toString('hex'));
    const low = c & (span - 1n);
    const run = (ctr, part) => {
      const e = nodeCrypto.createCipheriv(alg2, s.keyObject, ctr);
      return Buffer.concat([e.update(part), e.final()]);
    };
    if (low + blocks <= span) return toArrayBuffer(run(counter, data));
    const first = Number(span - low) * 16;
    const wrapped = Buffer.from((c - low).toString(16).padStart(32, '0'), 'hex');
    return toArrayBuffer(Buffer.concat([run(counter, data.subarray(0, first)), run(wrapped, data.subarray(first))]));
  }

  const gcmTagLengths = [32, 64, 96, 104, 112, 120, 128];
  function cipher(decrypt, algorithm, key, data) {
    const method = decrypt ? 'decrypt' : 'encrypt';
    const alg = normalize(algorithm, method);
    const s = keyArg(key, method, 1);
    data = bufferSource(data, method, 2);
    checkKey(s, alg, method);
    const name = alg.name;
    const fail = () => dom('The operation failed for an operation-specific reason', 'OperationError');
    if (name === 'RSA-OAEP') {
      const opts = { key: s.keyObject, oaepHash: nodeHash[s.alg.hash.name] };
      if (alg.label !== undefined) opts.oaepLabel = bufferSource(alg.label, method, 0);
      try {
        return toArrayBuffer(decrypt ? nodeCrypto.privateDecrypt(opts, data) : nodeCrypto.publicEncrypt(opts, data));
      } catch (e) {
        throw fail();
      }
    }
    if (name === 'AES-CTR') return aesCtr(alg, s, data, fail);
    const iv = bufferSource(alg.iv, method, 0);
    const bits = s.alg.length;
    if (name === 'AES-CBC') {
      if (iv.length !== 16) throw dom('algorithm.iv must contain exactly 16 bytes', 'OperationError');
      const c = (decrypt ? nodeCrypto.createDecipheriv : nodeCrypto.createCipheriv)('aes-' + bits + '-cbc', s.keyObject, iv);
      try {
        return toArrayBuffer(Buffer.concat([c.update(data), c.final()]));
      } catch (e) {
        throw fail();
      }
    }
    const tagLength = alg.tagLength === undefined ? 128 : alg.tagLength;
    if (!gcmTagLengths.includes(tagLength)) throw dom(tagLength + ' is not a valid AES-GCM tag length', 'OperationError');
    if (iv.length === 0) throw dom('algorithm.iv must contain at least one byte', 'OperationError');
    const tagBytes = tagLength / 8;
    const opts = { authTagLength: tagBytes };
    const aad = alg.additionalData === undefined ? undefined : bufferSource(alg.additionalData, method, 0);
    if (!decrypt) {
      const c = nodeCrypto.createCipheriv('aes-' + bits + '-gcm', s.keyObject, iv, opts);
      if (aad) c.setAAD(aad);
      const ct = Buffer.concat([c.update(data), c.final()]);
      return toArrayBuffer(Buffer.concat([ct, c.getAuthTag()]));
    }
    if (data.length < tagBytes) throw dom('The provided data is too small.', 'OperationError');
    const d = nodeCrypto.createDecipheriv('aes-' + bits + '-gcm', s.keyObject, iv, opts);
    if (aad) d.setAAD(aad);
    d.setAuthTag(data.subarray(data.length - tagBytes));
    try {
      return toArrayBuffer(Buffer.concat([d.update(data.subarray(0, data.length - tagBytes)), d.final()]));
    } catch (e) {
      throw fail();
    }
  }

  function missing(method, n, got, iface) {
    if (got < n) {
      throw codedTypeError('ERR_MISSING_ARGS', "Failed to execute '" + method + "' on '" + (iface || 'SubtleCrypto') + "': " + n +
        ' argument' + (n > 1 ? 's' : '') + ' required, but only ' + got + ' present.');
    }
  }

  function deriveBits(alg, s, length) {
    const hash = nodeHash[alg.hash.name];
    const salt = bufferSource(alg.salt, 'deriveBits', 0);
    if (alg.name === 'PBKDF2') {
      if (alg.iterations === 0) throw dom('iterations cannot be zero', 'OperationError');
    }
    if (length === 0) return new ArrayBuffer(0);
    if (length === null || length === undefined) throw dom('length cannot be null', 'OperationError');
    if (length % 8) throw dom('length must be a multiple of 8', 'OperationError');
    if (alg.name === 'PBKDF2') return toArrayBuffer(nodeCrypto.pbkdf2Sync(s.keyObject.export(), salt, alg.iterations, length / 8, hash));
    const info = bufferSource(alg.info, 'deriveBits', 0);
    try {
      return nodeCrypto.hkdfSync(hash, s.keyObject, salt, info, length / 8);
    } catch (e) {
      throw dom('The operation failed for an operation-specific reason', 'OperationError');
    }
  }
  function derivedLength(alg) {
    if (alg.name === 'HMAC') {
      if (alg.length !== undefined) return alg.length;
      return { 'SHA-1': 512, 'SHA-256': 512, 'SHA-384': 1024, 'SHA-512': 1024 }[alg.hash.name];
    }
    if (alg.name === 'AES-GCM' || alg.name === 'AES-CBC' || alg.name === 'AES-CTR') {
      if (![128, 192, 256].includes(alg.length)) throw dom('AES key length must be 128, 192, or 256 bits', 'OperationError');
      return alg.length;
    }
    throw dom('Unrecognized algorithm name', 'NotSupportedError');
  }

  class SubtleCrypto {
    constructor() {
      throw codedTypeError('ERR_ILLEGAL_CONSTRUCTOR', 'Illegal constructor');
    }
  }
  const subtleMethods = {
    async digest(algorithm, data) {
      missing('digest', 2, arguments.length);
      const alg = normalize(algorithm, 'digest');
      data = bufferSource(data, 'digest', 1);
      return toArrayBuffer(nodeCrypto.createHash(nodeHash[alg.name]).update(data).digest());
    },
    async importKey(format, keyData, algorithm, extractable, keyUsages) {
      missing('importKey', 4, arguments.length);
      return importKey(format, keyData, algorithm, extractable, sequence(keyUsages, 'importKey', 4));
    },
    async exportKey(format, key) {
      missing('exportKey', 2, arguments.length);
      return exportKey(format, key);
    },
    async generateKey(algorithm, extractable, keyUsages) {
      missing('generateKey', 3, arguments.length);
      return generateKey(algorithm, extractable, sequence(keyUsages, 'generateKey', 2));
    },
    async sign(algorithm, key, data) {
      missing('sign', 3, arguments.length);
      return signOrVerify(false, algorithm, key, undefined, data);
    },
    async verify(algorithm, key, signature, data) {
      missing('verify', 4, arguments.length);
      return signOrVerify(true, algorithm, key, signature, data);
    },
    async encrypt(algorithm, key, data) {
      missing('encrypt', 3, arguments.length);
      return cipher(false, algorithm, key, data);
    },
    async deriveBits(algorithm, baseKey, length) {
      missing('deriveBits', 2, arguments.length);
      const alg = normalize(algorithm, 'deriveBits');
      const s = keyArg(baseKey, 'deriveBits', 1);
      if (!s.usages.includes('deriveBits')) throw dom('baseKey does not have deriveBits usage', 'InvalidAccessError');
      if (s.alg.name !== alg.name) throw dom('Key algorithm mismatch', 'InvalidAccessError');
      return deriveBits(alg, s, length);
    },
    async deriveKey(algorithm, baseKey, derivedKeyAlgorithm, extractable, keyUsages) {
      missing('deriveKey', 5, arguments.length);
      const alg = normalize(algorithm, 'deriveBits');
      const s = keyArg(baseKey, 'deriveKey', 1);
      const derived = normalize(derivedKeyAlgorithm, 'importKey');
      const usages = sequence(keyUsages, 'deriveKey', 4);
      if (!s.usages.includes('deriveKey')) throw dom('baseKey does not have deriveKey usage', 'InvalidAccessError');
      if (s.alg.name !== alg.name) throw dom('Key algorithm mismatch', 'InvalidAccessError');
      const bits = deriveBits(alg, s, derivedLength(derived));
      return importKey('raw', bits, derivedKeyAlgorithm, extractable, usages);
    },
    async decrypt(algorithm, key, data) {
      missing('decrypt', 3, arguments.length);
      return cipher(true, algorithm, key, data);
    },
  };
  for (const name of Object.keys(subtleMethods)) {
    Object.defineProperty(SubtleCrypto.prototype, name, { value: subtleMethods[name], writable: true, configurable: true, enumerable: true });
  }
  Object.defineProperty(SubtleCrypto.prototype, Symbol.toStringTag, { value: 'SubtleCrypto', configurable: true });
  const subtle = Object.create(SubtleCrypto.prototype);

  const integerArrays = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array];
  class Crypto {
    constructor() {
      throw codedTypeError('ERR_ILLEGAL_CONSTRUCTOR', 'Illegal constructor');
    }
    get subtle() {
      return subtle;
    }
    getRandomValues(data) {
      if (this !== webcrypto) throw codedTypeError('ERR_INVALID_THIS', 'Value of "this" must be of type Crypto');
      missing('getRandomValues', 1, arguments.length, 'Crypto');
      if (!integerArrays.some((C) => data instanceof C)) throw dom('The data argument must be an integer-type TypedArray', 'TypeMismatchError');
      if (data.byteLength > 65536) throw dom('The requested length exceeds 65,536 bytes', 'QuotaExceededError');
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength).set(nodeCrypto.randomBytes(data.byteLength));
      return data;
    }
    randomUUID() {
      return nodeCrypto.randomUUID();
    }
    get [Symbol.toStringTag]() {
      return 'Crypto';
    }
  }
  const webcrypto = Object.create(Crypto.prototype);
  module.exports = { webcrypto, subtle, CryptoKey, Crypto, SubtleCrypto, DOMException };
});
