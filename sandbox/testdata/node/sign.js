//# rsa private key
const crypto = require('crypto');
const pem = "-----BEGIN PRIVATE KEY-----\nMIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBANy1kYxXat5dk+bN\ncYQe5BmaMLs0oKHEo9cPYSe52fFx5izMqWu3qo0UlWB+mTYQhVxpxtPg09ttJh6B\nvmtR3UcCQGzgAfakK28BTl7+c/0HWNyHTmptqTKGwkbC5mUnSToX9ywIF4yTjImD\nTu1+y5UHxpHHjUqHAvIEEeFnITq9AgMBAAECgYBj63eXV8Q0I51f8kagD/Qoexvw\nxOSsGAAszvOnLoayvmP8iDNzZtU5xcXSx73JMjWOHv060yBWyNVnHkn9ADTypzYd\nGp8ye3KBKaYzV2fuexWYxP6MHPHWXKf1mHxQDJzppSlFfqtP52SgYsCDiP3XtVfg\n0UxjSl30U95FW0b9QQJBAP0NeTRG9g1oPVYfJEYWHWBWPlf5pdvfzdinJCHyY8jM\nSfEhIixfqXqfNAy7z1sB7NYDavqIEQpbj8lX5vlLwWUCQQDfR6gq1tPWWBhRTQpA\nBrZMDPSvwoJybpzlwWHRcdXFbpQWc6dTAWURMQzabiJ1S6TjXqGSFD/4BujdtXa2\n02p5AkEAlyixOhUZbbDS0tsPY/5Z1e4ul4a9GLZ70+sjnlOYX54InU1ZiIAsUN9A\nzEpz9r0TqFOqV7Vn2HQRVAh6JHioMQJBAItD2ZtmxViDOB+1qrgGt7u1tQTPkKep\nYIlZ1hZaJ1juwMVEO9BlJVHUw0yWtz1sAhujUamYodGlFaf74GDmexkCQH/+kgxj\nW9HJAqW/0PQlPIpKlp6LcQEj3sqzhj2Aixx05g9dPIZuihTK4cPZ8QQGaqCS6D4h\nU5MP+rr3vX3XDZY=\n-----END PRIVATE KEY-----\n";
const k = crypto.createPrivateKey(pem);
print(k.type, k.asymmetricKeyType, k.asymmetricKeyDetails, k.symmetricKeySize, k.constructor.name, k instanceof crypto.KeyObject);
print(k.export({ type: 'pkcs8', format: 'pem' }) === pem);
print(k.export({ type: 'pkcs1', format: 'pem' }));
print(k.export({ type: 'pkcs8', format: 'der' }).length, k.export({ type: 'pkcs1', format: 'der' }).toString('base64').slice(0, 40));
//# rsa pkcs1 input
const crypto = require('crypto');
const pkcs1 = "-----BEGIN RSA PRIVATE KEY-----\nMIICXQIBAAKBgQDctZGMV2reXZPmzXGEHuQZmjC7NKChxKPXD2EnudnxceYszKlr\nt6qNFJVgfpk2EIVcacbT4NPbbSYegb5rUd1HAkBs4AH2pCtvAU5e/nP9B1jch05q\nbakyhsJGwuZlJ0k6F/csCBeMk4yJg07tfsuVB8aRx41KhwLyBBHhZyE6vQIDAQAB\nAoGAY+t3l1fENCOdX/JGoA/0KHsb8MTkrBgALM7zpy6Gsr5j/Igzc2bVOcXF0se9\nyTI1jh79OtMgVsjVZx5J/QA08qc2HRqfMntygSmmM1dn7nsVmMT+jBzx1lyn9Zh8\nUAyc6aUpRX6rT+dkoGLAg4j917VX4NFMY0pd9FPeRVtG/UECQQD9DXk0RvYNaD1W\nHyRGFh1gVj5X+aXb383YpyQh8mPIzEnxISIsX6l6nzQMu89bAezWA2r6iBEKW4/J\nV+b5S8FlAkEA30eoKtbT1lgYUU0KQAa2TAz0r8KCcm6c5cFh0XHVxW6UFnOnUwFl\nETEM2m4idUuk416hkhQ/+Abo3bV2ttNqeQJBAJcosToVGW2w0tLbD2P+WdXuLpeG\nvRi2e9PrI55TmF+eCJ1NWYiALFDfQMxKc/a9E6hTqle1Z9h0EVQIeiR4qDECQQCL\nQ9mbZsVYgzgftaq4Bre7tbUEz5CnqWCJWdYWWidY7sDFRDvQZSVR1MNMlrc9bAIb\no1GpmKHRpRWn++Bg5nsZAkB//pIMY1vRyQKlv9D0JTyKSpaei3EBI97Ks4Y9gIsc\ndOYPXTyGbooUyuHD2fEEBmqgkug+IVOTD/q697191w2W\n-----END RSA PRIVATE KEY-----\n";
const k = crypto.createPrivateKey(pkcs1);
print(k.export({ type: 'pkcs1', format: 'pem' }) === pkcs1, k.equals(crypto.createPrivateKey("-----BEGIN PRIVATE KEY-----\nMIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBANy1kYxXat5dk+bN\ncYQe5BmaMLs0oKHEo9cPYSe52fFx5izMqWu3qo0UlWB+mTYQhVxpxtPg09ttJh6B\nvmtR3UcCQGzgAfakK28BTl7+c/0HWNyHTmptqTKGwkbC5mUnSToX9ywIF4yTjImD\nTu1+y5UHxpHHjUqHAvIEEeFnITq9AgMBAAECgYBj63eXV8Q0I51f8kagD/Qoexvw\nxOSsGAAszvOnLoayvmP8iDNzZtU5xcXSx73JMjWOHv060yBWyNVnHkn9ADTypzYd\nGp8ye3KBKaYzV2fuexWYxP6MHPHWXKf1mHxQDJzppSlFfqtP52SgYsCDiP3XtVfg\n0UxjSl30U95FW0b9QQJBAP0NeTRG9g1oPVYfJEYWHWBWPlf5pdvfzdinJCHyY8jM\nSfEhIixfqXqfNAy7z1sB7NYDavqIEQpbj8lX5vlLwWUCQQDfR6gq1tPWWBhRTQpA\nBrZMDPSvwoJybpzlwWHRcdXFbpQWc6dTAWURMQzabiJ1S6TjXqGSFD/4BujdtXa2\n02p5AkEAlyixOhUZbbDS0tsPY/5Z1e4ul4a9GLZ70+sjnlOYX54InU1ZiIAsUN9A\nzEpz9r0TqFOqV7Vn2HQRVAh6JHioMQJBAItD2ZtmxViDOB+1qrgGt7u1tQTPkKep\nYIlZ1hZaJ1juwMVEO9BlJVHUw0yWtz1sAhujUamYodGlFaf74GDmexkCQH/+kgxj\nW9HJAqW/0PQlPIpKlp6LcQEj3sqzhj2Aixx05g9dPIZuihTK4cPZ8QQGaqCS6D4h\nU5MP+rr3vX3XDZY=\n-----END PRIVATE KEY-----\n")));
print(k.export({ type: 'pkcs8', format: 'pem' }));
print(crypto.createPrivateKey(Buffer.from(pkcs1)).asymmetricKeyDetails, crypto.createPrivateKey({ key: pkcs1, format: 'pem' }).type);
//# rsa public key
const crypto = require('crypto');
const priv = crypto.createPrivateKey("-----BEGIN PRIVATE KEY-----\nMIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBANy1kYxXat5dk+bN\ncYQe5BmaMLs0oKHEo9cPYSe52fFx5izMqWu3qo0UlWB+mTYQhVxpxtPg09ttJh6B\nvmtR3UcCQGzgAfakK28BTl7+c/0HWNyHTmptqTKGwkbC5mUnSToX9ywIF4yTjImD\nTu1+y5UHxpHHjUqHAvIEEeFnITq9AgMBAAECgYBj63eXV8Q0I51f8kagD/Qoexvw\nxOSsGAAszvOnLoayvmP8iDNzZtU5xcXSx73JMjWOHv060yBWyNVnHkn9ADTypzYd\nGp8ye3KBKaYzV2fuexWYxP6MHPHWXKf1mHxQDJzppSlFfqtP52SgYsCDiP3XtVfg\n0UxjSl30U95FW0b9QQJBAP0NeTRG9g1oPVYfJEYWHWBWPlf5pdvfzdinJCHyY8jM\nSfEhIixfqXqfNAy7z1sB7NYDavqIEQpbj8lX5vlLwWUCQQDfR6gq1tPWWBhRTQpA\nBrZMDPSvwoJybpzlwWHRcdXFbpQWc6dTAWURMQzabiJ1S6TjXqGSFD/4BujdtXa2\n02p5AkEAlyixOhUZbbDS0tsPY/5Z1e4ul4a9GLZ70+sjnlOYX54InU1ZiIAsUN9A\nzEpz9r0TqFOqV7Vn2HQRVAh6JHioMQJBAItD2ZtmxViDOB+1qrgGt7u1tQTPkKep\nYIlZ1hZaJ1juwMVEO9BlJVHUw0yWtz1sAhujUamYodGlFaf74GDmexkCQH/+kgxj\nW9HJAqW/0PQlPIpKlp6LcQEj3sqzhj2Aixx05g9dPIZuihTK4cPZ8QQGaqCS6D4h\nU5MP+rr3vX3XDZY=\n-----END PRIVATE KEY-----\n");
const pub = crypto.createPublicKey(priv);
const spki = pub.export({ type: 'spki', format: 'pem' });
print(pub.type, pub.asymmetricKeyType, pub.asymmetricKeyDetails, pub.constructor.name, spki === "-----BEGIN PUBLIC KEY-----\nMIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDctZGMV2reXZPmzXGEHuQZmjC7\nNKChxKPXD2EnudnxceYszKlrt6qNFJVgfpk2EIVcacbT4NPbbSYegb5rUd1HAkBs\n4AH2pCtvAU5e/nP9B1jch05qbakyhsJGwuZlJ0k6F/csCBeMk4yJg07tfsuVB8aR\nx41KhwLyBBHhZyE6vQIDAQAB\n-----END PUBLIC KEY-----\n");
print(pub.export({ type: 'pkcs1', format: 'pem' }));
print(pub.export({ type: 'spki', format: 'der' }).toString('hex'));
const again = crypto.createPublicKey(spki);
print(again.equals(pub), crypto.createPublicKey("-----BEGIN PRIVATE KEY-----\nMIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBANy1kYxXat5dk+bN\ncYQe5BmaMLs0oKHEo9cPYSe52fFx5izMqWu3qo0UlWB+mTYQhVxpxtPg09ttJh6B\nvmtR3UcCQGzgAfakK28BTl7+c/0HWNyHTmptqTKGwkbC5mUnSToX9ywIF4yTjImD\nTu1+y5UHxpHHjUqHAvIEEeFnITq9AgMBAAECgYBj63eXV8Q0I51f8kagD/Qoexvw\nxOSsGAAszvOnLoayvmP8iDNzZtU5xcXSx73JMjWOHv060yBWyNVnHkn9ADTypzYd\nGp8ye3KBKaYzV2fuexWYxP6MHPHWXKf1mHxQDJzppSlFfqtP52SgYsCDiP3XtVfg\n0UxjSl30U95FW0b9QQJBAP0NeTRG9g1oPVYfJEYWHWBWPlf5pdvfzdinJCHyY8jM\nSfEhIixfqXqfNAy7z1sB7NYDavqIEQpbj8lX5vlLwWUCQQDfR6gq1tPWWBhRTQpA\nBrZMDPSvwoJybpzlwWHRcdXFbpQWc6dTAWURMQzabiJ1S6TjXqGSFD/4BujdtXa2\n02p5AkEAlyixOhUZbbDS0tsPY/5Z1e4ul4a9GLZ70+sjnlOYX54InU1ZiIAsUN9A\nzEpz9r0TqFOqV7Vn2HQRVAh6JHioMQJBAItD2ZtmxViDOB+1qrgGt7u1tQTPkKep\nYIlZ1hZaJ1juwMVEO9BlJVHUw0yWtz1sAhujUamYodGlFaf74GDmexkCQH/+kgxj\nW9HJAqW/0PQlPIpKlp6LcQEj3sqzhj2Aixx05g9dPIZuihTK4cPZ8QQGaqCS6D4h\nU5MP+rr3vX3XDZY=\n-----END PRIVATE KEY-----\n").equals(pub), crypto.createPublicKey(pub.export({ type: 'pkcs1', format: 'pem' })).equals(pub), pub.equals(priv));
//# rsa jwk
const crypto = require('crypto');
const priv = crypto.createPrivateKey("-----BEGIN PRIVATE KEY-----\nMIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBANy1kYxXat5dk+bN\ncYQe5BmaMLs0oKHEo9cPYSe52fFx5izMqWu3qo0UlWB+mTYQhVxpxtPg09ttJh6B\nvmtR3UcCQGzgAfakK28BTl7+c/0HWNyHTmptqTKGwkbC5mUnSToX9ywIF4yTjImD\nTu1+y5UHxpHHjUqHAvIEEeFnITq9AgMBAAECgYBj63eXV8Q0I51f8kagD/Qoexvw\nxOSsGAAszvOnLoayvmP8iDNzZtU5xcXSx73JMjWOHv060yBWyNVnHkn9ADTypzYd\nGp8ye3KBKaYzV2fuexWYxP6MHPHWXKf1mHxQDJzppSlFfqtP52SgYsCDiP3XtVfg\n0UxjSl30U95FW0b9QQJBAP0NeTRG9g1oPVYfJEYWHWBWPlf5pdvfzdinJCHyY8jM\nSfEhIixfqXqfNAy7z1sB7NYDavqIEQpbj8lX5vlLwWUCQQDfR6gq1tPWWBhRTQpA\nBrZMDPSvwoJybpzlwWHRcdXFbpQWc6dTAWURMQzabiJ1S6TjXqGSFD/4BujdtXa2\n02p5AkEAlyixOhUZbbDS0tsPY/5Z1e4ul4a9GLZ70+sjnlOYX54InU1ZiIAsUN9A\nzEpz9r0TqFOqV7Vn2HQRVAh6JHioMQJBAItD2ZtmxViDOB+1qrgGt7u1tQTPkKep\nYIlZ1hZaJ1juwMVEO9BlJVHUw0yWtz1sAhujUamYodGlFaf74GDmexkCQH/+kgxj\nW9HJAqW/0PQlPIpKlp6LcQEj3sqzhj2Aixx05g9dPIZuihTK4cPZ8QQGaqCS6D4h\nU5MP+rr3vX3XDZY=\n-----END PRIVATE KEY-----\n");
const jwk = priv.export({ format: 'jwk' });
print(jwk);
const pubJwk = crypto.createPublicKey(priv).export({ format: 'jwk' });
print(pubJwk);
print(crypto.createPrivateKey({ key: jwk, format: 'jwk' }).equals(priv), crypto.createPublicKey({ key: pubJwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) === "-----BEGIN PUBLIC KEY-----\nMIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDctZGMV2reXZPmzXGEHuQZmjC7\nNKChxKPXD2EnudnxceYszKlrt6qNFJVgfpk2EIVcacbT4NPbbSYegb5rUd1HAkBs\n4AH2pCtvAU5e/nP9B1jch05qbakyhsJGwuZlJ0k6F/csCBeMk4yJg07tfsuVB8aR\nx41KhwLyBBHhZyE6vQIDAQAB\n-----END PUBLIC KEY-----\n");
print(crypto.createPublicKey({ key: jwk, format: 'jwk' }).type);
//# ec P-256 key
const crypto = require('crypto');
const pem = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgRZwPrvC7KEAWFLgM\ndV5a/OvYHF/BR2bHjo3DE/hC31ChRANCAAQnCGUNcOBcUv7t3ZEzePo3YOdZyDyz\n3VEAlBTVaL2/aGWHxlYFJI9SZ6c8AvTHYoP5hPLOKJ4ZE8AJ/4g56CHB\n-----END PRIVATE KEY-----\n";
const k = crypto.createPrivateKey(pem);
print(k.type, k.asymmetricKeyType, k.asymmetricKeyDetails);
print(k.export({ type: 'pkcs8', format: 'pem' }) === pem);
print(k.export({ type: 'sec1', format: 'pem' }));
print(k.export({ format: 'jwk' }));
const pub = crypto.createPublicKey(k);
print(pub.export({ type: 'spki', format: 'pem' }) === "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEJwhlDXDgXFL+7d2RM3j6N2DnWcg8\ns91RAJQU1Wi9v2hlh8ZWBSSPUmenPAL0x2KD+YTyziieGRPACf+IOeghwQ==\n-----END PUBLIC KEY-----\n", pub.export({ format: 'jwk' }), pub.export({ type: 'spki', format: 'der' }).toString('hex'));
print(crypto.createPrivateKey("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIEWcD67wuyhAFhS4DHVeWvzr2BxfwUdmx46NwxP4Qt9QoAoGCCqGSM49\nAwEHoUQDQgAEJwhlDXDgXFL+7d2RM3j6N2DnWcg8s91RAJQU1Wi9v2hlh8ZWBSSP\nUmenPAL0x2KD+YTyziieGRPACf+IOeghwQ==\n-----END EC PRIVATE KEY-----\n").equals(k), crypto.createPrivateKey({ key: k.export({ format: 'jwk' }), format: 'jwk' }).equals(k));
//# ec P-384 and P-521 keys
const crypto = require('crypto');
for (const pem of ["-----BEGIN PRIVATE KEY-----\nMIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDB5ouoqTKKKv7F8ySHr\nzKAwcItQY7mSm7jsBNbcaMYZ6SN6V5TQx3ar6XQVXufjPTqhZANiAAQBQRrIRYzL\n0M6tI0AodKIYAVuC0MrYF9pbGf5gIeymnYAKOef2Cr6lkh2a9iay/HhBivxIVmOu\noPOZnA+F6UMXomymaPX14ocCx2zcg72Twf0LqmEuUCilZGzWV3Vleb0=\n-----END PRIVATE KEY-----\n", "-----BEGIN PRIVATE KEY-----\nMIHuAgEAMBAGByqGSM49AgEGBSuBBAAjBIHWMIHTAgEBBEIBe+lgxyJPeRXbOD1h\nXErbu0d/Wikle6aS/G8s7DB2f/74Qq9Y5PKUAiqE4eOlz1KhU5ms6n8GbpQ6h7Al\nKzg53D6hgYkDgYYABADHTjoXNMIMaWpL8Sklm8s/giFul6QZrFPAA7Uhjr9Kg32v\nJDB7oGuB98ccwOGJ83/Q1WEBi7P/UxfBBQEyy6UY0ACshBpTdfOWteizi3Mh1xAM\nkLy1PeNG6fpeYb2Z+m6Vx6SFkk4bcVWZV1mEd5yrornZXpzHxn91qtqbW3+HHexE\nBw==\n-----END PRIVATE KEY-----\n"]) {
  const k = crypto.createPrivateKey(pem);
  const jwk = k.export({ format: 'jwk' });
  print(k.asymmetricKeyDetails, jwk.crv, jwk.x.length, jwk.d.length, k.export({ type: 'pkcs8', format: 'pem' }) === pem);
  print(k.export({ type: 'sec1', format: 'der' }).toString('hex'));
  print(crypto.createPublicKey(k).export({ type: 'spki', format: 'pem' }));
  print(crypto.createPrivateKey({ key: jwk, format: 'jwk' }).equals(k), crypto.createPublicKey({ key: jwk, format: 'jwk' }).equals(crypto.createPublicKey(k)));
}
//# ed25519 key
const crypto = require('crypto');
const pem = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEII0AoEMRjWLXmEZyolVxhagk/arqVEFdKS9/GfTBw/Bp\n-----END PRIVATE KEY-----\n";
const k = crypto.createPrivateKey(pem);
print(k.type, k.asymmetricKeyType, k.asymmetricKeyDetails, k.export({ type: 'pkcs8', format: 'pem' }) === pem);
print(k.export({ format: 'jwk' }), k.export({ type: 'pkcs8', format: 'der' }).toString('hex'));
const pub = crypto.createPublicKey(pem);
print(pub.export({ format: 'jwk' }), pub.export({ type: 'spki', format: 'pem' }) === "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAK3ANnN/PP7YySSUDJFOF3fRi+zBsOxMShhGGqpmFYpI=\n-----END PUBLIC KEY-----\n", pub.export({ type: 'spki', format: 'der' }).toString('hex'));
print(crypto.createPrivateKey({ key: k.export({ format: 'jwk' }), format: 'jwk' }).equals(k), crypto.createPublicKey({ key: pub.export({ format: 'jwk' }), format: 'jwk' }).equals(pub));
//# certificate public key
const crypto = require('crypto');
const cert = "-----BEGIN CERTIFICATE-----\nMIIBcjCCARmgAwIBAgIUG4/TSsm3jQ4XDqdFeGmjjrj3OnAwCgYIKoZIzj0EAwIw\nDzENMAsGA1UEAwwEdGVzdDAeFw0yNjEyMDQwMTMwMThaFw0zNjEyMDEwMTMwMTha\nMA8xDTALBgNVBAMMBHRlc3QwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQnCGUN\ncOBcUv7t3ZEzePo3YOdZyDyz3VEAlBTVaL2/aGWHxlYFJI9SZ6c8AvTHYoP5hPLO\nKJ4ZE8AJ/4g56CHBo1MwUTAdBgNVHQ4EFgQUT3CycCQMhcp/XqXRh7uRMCMK2Yww\nHwYDVR0jBBgwFoAUT3CycCQMhcp/XqXRh7uRMCMK2YwwDwYDVR0TAQH/BAUwAwEB\n/zAKBggqhkjOPQQDAgNHADBEAiAxmnNwkOThQTI0EXeijrAgN4MTovHQsJArWT2D\nEVw+RwIgT50jF9EpKO7e3tOdjnMnrkF5ZPa0H1+0n6PuhQsEiCk=\n-----END CERTIFICATE-----\n";
const pub = crypto.createPublicKey(cert);
print(pub.type, pub.asymmetricKeyType, pub.asymmetricKeyDetails, pub.export({ type: 'spki', format: 'pem' }) === "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEJwhlDXDgXFL+7d2RM3j6N2DnWcg8\ns91RAJQU1Wi9v2hlh8ZWBSSPUmenPAL0x2KD+YTyziieGRPACf+IOeghwQ==\n-----END PUBLIC KEY-----\n");
try { crypto.createPrivateKey(cert); } catch (e) { print(e, e.message); }
//# der input
const crypto = require('crypto');
const rsa = crypto.createPrivateKey("-----BEGIN PRIVATE KEY-----\nMIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBANy1kYxXat5dk+bN\ncYQe5BmaMLs0oKHEo9cPYSe52fFx5izMqWu3qo0UlWB+mTYQhVxpxtPg09ttJh6B\nvmtR3UcCQGzgAfakK28BTl7+c/0HWNyHTmptqTKGwkbC5mUnSToX9ywIF4yTjImD\nTu1+y5UHxpHHjUqHAvIEEeFnITq9AgMBAAECgYBj63eXV8Q0I51f8kagD/Qoexvw\nxOSsGAAszvOnLoayvmP8iDNzZtU5xcXSx73JMjWOHv060yBWyNVnHkn9ADTypzYd\nGp8ye3KBKaYzV2fuexWYxP6MHPHWXKf1mHxQDJzppSlFfqtP52SgYsCDiP3XtVfg\n0UxjSl30U95FW0b9QQJBAP0NeTRG9g1oPVYfJEYWHWBWPlf5pdvfzdinJCHyY8jM\nSfEhIixfqXqfNAy7z1sB7NYDavqIEQpbj8lX5vlLwWUCQQDfR6gq1tPWWBhRTQpA\nBrZMDPSvwoJybpzlwWHRcdXFbpQWc6dTAWURMQzabiJ1S6TjXqGSFD/4BujdtXa2\n02p5AkEAlyixOhUZbbDS0tsPY/5Z1e4ul4a9GLZ70+sjnlOYX54InU1ZiIAsUN9A\nzEpz9r0TqFOqV7Vn2HQRVAh6JHioMQJBAItD2ZtmxViDOB+1qrgGt7u1tQTPkKep\nYIlZ1hZaJ1juwMVEO9BlJVHUw0yWtz1sAhujUamYodGlFaf74GDmexkCQH/+kgxj\nW9HJAqW/0PQlPIpKlp6LcQEj3sqzhj2Aixx05g9dPIZuihTK4cPZ8QQGaqCS6D4h\nU5MP+rr3vX3XDZY=\n-----END PRIVATE KEY-----\n"), ec = crypto.createPrivateKey("-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgRZwPrvC7KEAWFLgM\ndV5a/OvYHF/BR2bHjo3DE/hC31ChRANCAAQnCGUNcOBcUv7t3ZEzePo3YOdZyDyz\n3VEAlBTVaL2/aGWHxlYFJI9SZ6c8AvTHYoP5hPLOKJ4ZE8AJ/4g56CHB\n-----END PRIVATE KEY-----\n"), ed = crypto.createPrivateKey("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEII0AoEMRjWLXmEZyolVxhagk/arqVEFdKS9/GfTBw/Bp\n-----END PRIVATE KEY-----\n");
for (const [k, type] of [[rsa, 'pkcs8'], [rsa, 'pkcs1'], [ec, 'pkcs8'], [ec, 'sec1'], [ed, 'pkcs8']]) {
  const der = k.export({ type, format: 'der' });
  print(type, k.asymmetricKeyType, crypto.createPrivateKey({ key: der, format: 'der', type }).equals(k), crypto.createPublicKey({ key: der, format: 'der', type }).type);
}
for (const [k, type] of [[rsa, 'spki'], [rsa, 'pkcs1'], [ec, 'spki'], [ed, 'spki']]) {
  const pub = crypto.createPublicKey(k);
  print(type, crypto.createPublicKey({ key: pub.export({ type, format: 'der' }), format: 'der', type }).equals(pub));
}
//# key parse errors
const crypto = require('crypto');
const rsa = crypto.createPrivateKey("-----BEGIN PRIVATE KEY-----\nMIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBANy1kYxXat5dk+bN\ncYQe5BmaMLs0oKHEo9cPYSe52fFx5izMqWu3qo0UlWB+mTYQhVxpxtPg09ttJh6B\nvmtR3UcCQGzgAfakK28BTl7+c/0HWNyHTmptqTKGwkbC5mUnSToX9ywIF4yTjImD\nTu1+y5UHxpHHjUqHAvIEEeFnITq9AgMBAAECgYBj63eXV8Q0I51f8kagD/Qoexvw\nxOSsGAAszvOnLoayvmP8iDNzZtU5xcXSx73JMjWOHv060yBWyNVnHkn9ADTypzYd\nGp8ye3KBKaYzV2fuexWYxP6MHPHWXKf1mHxQDJzppSlFfqtP52SgYsCDiP3XtVfg\n0UxjSl30U95FW0b9QQJBAP0NeTRG9g1oPVYfJEYWHWBWPlf5pdvfzdinJCHyY8jM\nSfEhIixfqXqfNAy7z1sB7NYDavqIEQpbj8lX5vlLwWUCQQDfR6gq1tPWWBhRTQpA\nBrZMDPSvwoJybpzlwWHRcdXFbpQWc6dTAWURMQzabiJ1S6TjXqGSFD/4BujdtXa2\n02p5AkEAlyixOhUZbbDS0tsPY/5Z1e4ul4a9GLZ70+sjnlOYX54InU1ZiIAsUN9A\nzEpz9r0TqFOqV7Vn2HQRVAh6JHioMQJBAItD2ZtmxViDOB+1qrgGt7u1tQTPkKep\nYIlZ1hZaJ1juwMVEO9BlJVHUw0yWtz1sAhujUamYodGlFaf74GDmexkCQH/+kgxj\nW9HJAqW/0PQlPIpKlp6LcQEj3sqzhj2Aixx05g9dPIZuihTK4cPZ8QQGaqCS6D4h\nU5MP+rr3vX3XDZY=\n-----END PRIVATE KEY-----\n");
const cases = [
  () => crypto.createPrivateKey('garbage'),
  () => crypto.createPrivateKey('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----'),
  () => crypto.createPrivateKey("-----BEGIN PUBLIC KEY-----\nMIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDctZGMV2reXZPmzXGEHuQZmjC7\nNKChxKPXD2EnudnxceYszKlrt6qNFJVgfpk2EIVcacbT4NPbbSYegb5rUd1HAkBs\n4AH2pCtvAU5e/nP9B1jch05qbakyhsJGwuZlJ0k6F/csCBeMk4yJg07tfsuVB8aR\nx41KhwLyBBHhZyE6vQIDAQAB\n-----END PUBLIC KEY-----\n"),
  () => crypto.createPrivateKey(1),
  () => crypto.createPrivateKey(rsa),
  () => crypto.createPrivateKey({ key: Buffer.from('3000', 'hex'), format: 'der' }),
  () => crypto.createPrivateKey({ key: Buffer.from('x'), format: 'xx' }),
  () => crypto.createPrivateKey({ key: Buffer.from('x'), format: 'der', type: 'spki' }),
  () => crypto.createPrivateKey({}),
  () => crypto.createPrivateKey({ key: 'x', format: 'jwk' }),
  () => crypto.createPrivateKey({ key: { kty: 'EC' }, format: 'jwk' }),
  () => crypto.createPublicKey('garbage'),
  () => crypto.createPublicKey(crypto.createPublicKey(rsa)),
  () => crypto.createPrivateKey('-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBAA==\n-----END ENCRYPTED PRIVATE KEY-----'),
];
for (const f of cases) {
  try { f(); print('ok'); } catch (e) { print(e, e.message); }
}
//# export errors
const crypto = require('crypto');
const rsa = crypto.createPrivateKey("-----BEGIN PRIVATE KEY-----\nMIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBANy1kYxXat5dk+bN\ncYQe5BmaMLs0oKHEo9cPYSe52fFx5izMqWu3qo0UlWB+mTYQhVxpxtPg09ttJh6B\nvmtR3UcCQGzgAfakK28BTl7+c/0HWNyHTmptqTKGwkbC5mUnSToX9ywIF4yTjImD\nTu1+y5UHxpHHjUqHAvIEEeFnITq9AgMBAAECgYBj63eXV8Q0I51f8kagD/Qoexvw\nxOSsGAAszvOnLoayvmP8iDNzZtU5xcXSx73JMjWOHv060yBWyNVnHkn9ADTypzYd\nGp8ye3KBKaYzV2fuexWYxP6MHPHWXKf1mHxQDJzppSlFfqtP52SgYsCDiP3XtVfg\n0UxjSl30U95FW0b9QQJBAP0NeTRG9g1oPVYfJEYWHWBWPlf5pdvfzdinJCHyY8jM\nSfEhIixfqXqfNAy7z1sB7NYDavqIEQpbj8lX5vlLwWUCQQDfR6gq1tPWWBhRTQpA\nBrZMDPSvwoJybpzlwWHRcdXFbpQWc6dTAWURMQzabiJ1S6TjXqGSFD/4BujdtXa2\n02p5AkEAlyixOhUZbbDS0tsPY/5Z1e4ul4a9GLZ70+sjnlOYX54InU1ZiIAsUN9A\nzEpz9r0TqFOqV7Vn2HQRVAh6JHioMQJBAItD2ZtmxViDOB+1qrgGt7u1tQTPkKep\nYIlZ1hZaJ1juwMVEO9BlJVHUw0yWtz1sAhujUamYodGlFaf74GDmexkCQH/+kgxj\nW9HJAqW/0PQlPIpKlp6LcQEj3sqzhj2Aixx05g9dPIZuihTK4cPZ8QQGaqCS6D4h\nU5MP+rr3vX3XDZY=\n-----END PRIVATE KEY-----\n"), ec = crypto.createPrivateKey("-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgRZwPrvC7KEAWFLgM\ndV5a/OvYHF/BR2bHjo3DE/hC31ChRANCAAQnCGUNcOBcUv7t3ZEzePo3YOdZyDyz\n3VEAlBTVaL2/aGWHxlYFJI9SZ6c8AvTHYoP5hPLOKJ4ZE8AJ/4g56CHB\n-----END PRIVATE KEY-----\n");
const cases = [
  () => rsa.export(),
  () => rsa.export({ format: 'pem' }),
  () => rsa.export({ type: 'sec1', format: 'pem' }),
  () => ec.export({ type: 'pkcs1', format: 'pem' }),
  () => rsa.export({ type: 'pkcs8', format: 'xxx' }),
  () => rsa.export({ type: 'xxx', format: 'pem' }),
  () => crypto.createPublicKey(rsa).export({ type: 'pkcs8', format: 'pem' }),
  () => crypto.createPublicKey(rsa).export({ format: 'der' }),
  () => crypto.createPublicKey(rsa).export(),
  () => crypto.createPublicKey(ec).export({ type: 'pkcs1', format: 'der' }),
];
for (const f of cases) {
  try { f(); print('ok'); } catch (e) { print(e, e.message); }
}
//# rsa pkcs1 v1.5 signatures
const crypto = require('crypto');
const k = crypto.createPrivateKey("-----BEGIN PRIVATE KEY-----\nMIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBANy1kYxXat5dk+bN\ncYQe5BmaMLs0oKHEo9cPYSe52fFx5izMqWu3qo0UlWB+mTYQhVxpxtPg09ttJh6B\nvmtR3UcCQGzgAfakK28BTl7+c/0HWNyHTmptqTKGwkbC5mUnSToX9ywIF4yTjImD\nTu1+y5UHxpHHjUqHAvIEEeFnITq9AgMBAAECgYBj63eXV8Q0I51f8kagD/Qoexvw\nxOSsGAAszvOnLoayvmP8iDNzZtU5xcXSx73JMjWOHv060yBWyNVnHkn9ADTypzYd\nGp8ye3KBKaYzV2fuexWYxP6MHPHWXKf1mHxQDJzppSlFfqtP52SgYsCDiP3XtVfg\n0UxjSl30U95FW0b9QQJBAP0NeTRG9g1oPVYfJEYWHWBWPlf5pdvfzdinJCHyY8jM\nSfEhIixfqXqfNAy7z1sB7NYDavqIEQpbj8lX5vlLwWUCQQDfR6gq1tPWWBhRTQpA\nBrZMDPSvwoJybpzlwWHRcdXFbpQWc6dTAWURMQzabiJ1S6TjXqGSFD/4BujdtXa2\n02p5AkEAlyixOhUZbbDS0tsPY/5Z1e4ul4a9GLZ70+sjnlOYX54InU1ZiIAsUN9A\nzEpz9r0TqFOqV7Vn2HQRVAh6JHioMQJBAItD2ZtmxViDOB+1qrgGt7u1tQTPkKep\nYIlZ1hZaJ1juwMVEO9BlJVHUw0yWtz1sAhujUamYodGlFaf74GDmexkCQH/+kgxj\nW9HJAqW/0PQlPIpKlp6LcQEj3sqzhj2Aixx05g9dPIZuihTK4cPZ8QQGaqCS6D4h\nU5MP+rr3vX3XDZY=\n-----END PRIVATE KEY-----\n");
for (const alg of ['sha256', 'sha1', 'sha384', 'sha512', 'sha224', 'md5', 'RSA-SHA256', 'SHA256', 'sha256WithRSAEncryption']) {
  print(alg, crypto.createSign(alg).update('hello ').update('world').sign(k, 'base64'));
}
print(crypto.sign('sha256', Buffer.from('hello world'), k).toString('hex'));
print(crypto.sign(null, Buffer.from('hello world'), k).equals(crypto.sign('sha256', Buffer.from('hello world'), k)));
print(crypto.sign('sha512', 'string data', "-----BEGIN PRIVATE KEY-----\nMIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBANy1kYxXat5dk+bN\ncYQe5BmaMLs0oKHEo9cPYSe52fFx5izMqWu3qo0UlWB+mTYQhVxpxtPg09ttJh6B\nvmtR3UcCQGzgAfakK28BTl7+c/0HWNyHTmptqTKGwkbC5mUnSToX9ywIF4yTjImD\nTu1+y5UHxpHHjUqHAvIEEeFnITq9AgMBAAECgYBj63eXV8Q0I51f8kagD/Qoexvw\nxOSsGAAszvOnLoayvmP8iDNzZtU5xcXSx73JMjWOHv060yBWyNVnHkn9ADTypzYd\nGp8ye3KBKaYzV2fuexWYxP6MHPHWXKf1mHxQDJzppSlFfqtP52SgYsCDiP3XtVfg\n0UxjSl30U95FW0b9QQJBAP0NeTRG9g1oPVYfJEYWHWBWPlf5pdvfzdinJCHyY8jM\nSfEhIixfqXqfNAy7z1sB7NYDavqIEQpbj8lX5vlLwWUCQQDfR6gq1tPWWBhRTQpA\nBrZMDPSvwoJybpzlwWHRcdXFbpQWc6dTAWURMQzabiJ1S6TjXqGSFD/4BujdtXa2\n02p5AkEAlyixOhUZbbDS0tsPY/5Z1e4ul4a9GLZ70+sjnlOYX54InU1ZiIAsUN9A\nzEpz9r0TqFOqV7Vn2HQRVAh6JHioMQJBAItD2ZtmxViDOB+1qrgGt7u1tQTPkKep\nYIlZ1hZaJ1juwMVEO9BlJVHUw0yWtz1sAhujUamYodGlFaf74GDmexkCQH/+kgxj\nW9HJAqW/0PQlPIpKlp6LcQEj3sqzhj2Aixx05g9dPIZuihTK4cPZ8QQGaqCS6D4h\nU5MP+rr3vX3XDZY=\n-----END PRIVATE KEY-----\n").toString('base64'));
//# rsa pkcs1 v1.5 verify
const crypto = require('crypto');
const k = crypto.createPrivateKey("-----BEGIN PRIVATE KEY-----\nMIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBANy1kYxXat5dk+bN\ncYQe5BmaMLs0oKHEo9cPYSe52fFx5izMqWu3qo0UlWB+mTYQhVxpxtPg09ttJh6B\nvmtR3UcCQGzgAfakK28BTl7+c/0HWNyHTmptqTKGwkbC5mUnSToX9ywIF4yTjImD\nTu1+y5UHxpHHjUqHAvIEEeFnITq9AgMBAAECgYBj63eXV8Q0I51f8kagD/Qoexvw\nxOSsGAAszvOnLoayvmP8iDNzZtU5xcXSx73JMjWOHv060yBWyNVnHkn9ADTypzYd\nGp8ye3KBKaYzV2fuexWYxP6MHPHWXKf1mHxQDJzppSlFfqtP52SgYsCDiP3XtVfg\n0UxjSl30U95FW0b9QQJBAP0NeTRG9g1oPVYfJEYWHWBWPlf5pdvfzdinJCHyY8jM\nSfEhIixfqXqfNAy7z1sB7NYDavqIEQpbj8lX5vlLwWUCQQDfR6gq1tPWWBhRTQpA\nBrZMDPSvwoJybpzlwWHRcdXFbpQWc6dTAWURMQzabiJ1S6TjXqGSFD/4BujdtXa2\n02p5AkEAlyixOhUZbbDS0tsPY/5Z1e4ul4a9GLZ70+sjnlOYX54InU1ZiIAsUN9A\nzEpz9r0TqFOqV7Vn2HQRVAh6JHioMQJBAItD2ZtmxViDOB+1qrgGt7u1tQTPkKep\nYIlZ1hZaJ1juwMVEO9BlJVHUw0yWtz1sAhujUamYodGlFaf74GDmexkCQH/+kgxj\nW9HJAqW/0PQlPIpKlp6LcQEj3sqzhj2Aixx05g9dPIZuihTK4cPZ8QQGaqCS6D4h\nU5MP+rr3vX3XDZY=\n-----END PRIVATE KEY-----\n");
const pub = crypto.createPublicKey(k);
const sig = crypto.sign('sha256', Buffer.from('msg'), k);
const bad = Buffer.from(sig); bad[5] ^= 1;
print(crypto.verify('sha256', Buffer.from('msg'), pub, sig), crypto.verify('sha256', Buffer.from('msg'), pub, bad), crypto.verify('sha256', Buffer.from('msh'), pub, sig), crypto.verify('sha1', Buffer.from('msg'), pub, sig));
print(crypto.verify('sha256', Buffer.from('msg'), k, sig), crypto.verify('sha256', Buffer.from('msg'), "-----BEGIN PUBLIC KEY-----\nMIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDctZGMV2reXZPmzXGEHuQZmjC7\nNKChxKPXD2EnudnxceYszKlrt6qNFJVgfpk2EIVcacbT4NPbbSYegb5rUd1HAkBs\n4AH2pCtvAU5e/nP9B1jch05qbakyhsJGwuZlJ0k6F/csCBeMk4yJg07tfsuVB8aR\nx41KhwLyBBHhZyE6vQIDAQAB\n-----END PUBLIC KEY-----\n", sig), crypto.verify('sha256', Buffer.from('msg'), pub, Buffer.alloc(3)));
print(crypto.createVerify('RSA-SHA256').update('msg').verify(pub, sig), crypto.createVerify('sha256').update('msg').verify("-----BEGIN PUBLIC KEY-----\nMIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDctZGMV2reXZPmzXGEHuQZmjC7\nNKChxKPXD2EnudnxceYszKlrt6qNFJVgfpk2EIVcacbT4NPbbSYegb5rUd1HAkBs\n4AH2pCtvAU5e/nP9B1jch05qbakyhsJGwuZlJ0k6F/csCBeMk4yJg07tfsuVB8aR\nx41KhwLyBBHhZyE6vQIDAQAB\n-----END PUBLIC KEY-----\n", sig.toString('hex'), 'hex'), crypto.createVerify('sha256').update('m').update('sg').verify({ key: pub }, sig.toString('base64'), 'base64'));
//# rsa pss
const crypto = require('crypto');
const k = crypto.createPrivateKey("-----BEGIN PRIVATE KEY-----\nMIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBANy1kYxXat5dk+bN\ncYQe5BmaMLs0oKHEo9cPYSe52fFx5izMqWu3qo0UlWB+mTYQhVxpxtPg09ttJh6B\nvmtR3UcCQGzgAfakK28BTl7+c/0HWNyHTmptqTKGwkbC5mUnSToX9ywIF4yTjImD\nTu1+y5UHxpHHjUqHAvIEEeFnITq9AgMBAAECgYBj63eXV8Q0I51f8kagD/Qoexvw\nxOSsGAAszvOnLoayvmP8iDNzZtU5xcXSx73JMjWOHv060yBWyNVnHkn9ADTypzYd\nGp8ye3KBKaYzV2fuexWYxP6MHPHWXKf1mHxQDJzppSlFfqtP52SgYsCDiP3XtVfg\n0UxjSl30U95FW0b9QQJBAP0NeTRG9g1oPVYfJEYWHWBWPlf5pdvfzdinJCHyY8jM\nSfEhIixfqXqfNAy7z1sB7NYDavqIEQpbj8lX5vlLwWUCQQDfR6gq1tPWWBhRTQpA\nBrZMDPSvwoJybpzlwWHRcdXFbpQWc6dTAWURMQzabiJ1S6TjXqGSFD/4BujdtXa2\n02p5AkEAlyixOhUZbbDS0tsPY/5Z1e4ul4a9GLZ70+sjnlOYX54InU1ZiIAsUN9A\nzEpz9r0TqFOqV7Vn2HQRVAh6JHioMQJBAItD2ZtmxViDOB+1qrgGt7u1tQTPkKep\nYIlZ1hZaJ1juwMVEO9BlJVHUw0yWtz1sAhujUamYodGlFaf74GDmexkCQH/+kgxj\nW9HJAqW/0PQlPIpKlp6LcQEj3sqzhj2Aixx05g9dPIZuihTK4cPZ8QQGaqCS6D4h\nU5MP+rr3vX3XDZY=\n-----END PRIVATE KEY-----\n");
const pub = crypto.createPublicKey(k);
const data = Buffer.from('pss data');
for (const saltLength of [undefined, -1, -2, 20, 32, 94]) {
  const sig = crypto.sign('sha256', data, { key: k, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength });
  print(saltLength, sig.length, crypto.verify('sha256', data, { key: pub, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength }, sig),
    crypto.verify('sha256', data, { key: pub, padding: crypto.constants.RSA_PKCS1_PSS_PADDING }, sig), crypto.verify('sha256', data, pub, sig));
}
const s20 = crypto.sign('sha256', data, { key: k, padding: 6, saltLength: 20 });
print(crypto.verify('sha256', data, { key: pub, padding: 6, saltLength: 32 }, s20), crypto.verify('sha256', data, { key: pub, padding: 6, saltLength: -1 }, crypto.sign('sha256', data, { key: k, padding: 6, saltLength: 32 })));
const nodeSig = Buffer.from('R6eMwdJLjHGHP8FGFyCl7JZHNz+XapqFEPPB9aRM+lh4SfDmjJ1+fUwPrRdBTWV3ANvvHZruU8boURbtTUR0dqHyx6P/fhgLHGeJK9wPMdPfsUvoH3l2ZdpcG19ojf5XDFpEiaeHuSMe9KSKvybLn0UxIEJPUqHk+JpRn3+DYo4=', 'base64');
print(crypto.verify('sha256', Buffer.from('hello'), { key: pub, padding: 6 }, nodeSig), crypto.createVerify('sha256').update('hello').verify({ key: pub, padding: 6, saltLength: 94 }, nodeSig));
const ss = crypto.createSign('sha384').update(data).sign({ key: k, padding: 6, saltLength: -1 });
print(crypto.createVerify('sha384').update(data).verify({ key: pub, padding: 6, saltLength: 48 }, ss));
//# sign option errors
const crypto = require('crypto');
const k = crypto.createPrivateKey("-----BEGIN PRIVATE KEY-----\nMIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBANy1kYxXat5dk+bN\ncYQe5BmaMLs0oKHEo9cPYSe52fFx5izMqWu3qo0UlWB+mTYQhVxpxtPg09ttJh6B\nvmtR3UcCQGzgAfakK28BTl7+c/0HWNyHTmptqTKGwkbC5mUnSToX9ywIF4yTjImD\nTu1+y5UHxpHHjUqHAvIEEeFnITq9AgMBAAECgYBj63eXV8Q0I51f8kagD/Qoexvw\nxOSsGAAszvOnLoayvmP8iDNzZtU5xcXSx73JMjWOHv060yBWyNVnHkn9ADTypzYd\nGp8ye3KBKaYzV2fuexWYxP6MHPHWXKf1mHxQDJzppSlFfqtP52SgYsCDiP3XtVfg\n0UxjSl30U95FW0b9QQJBAP0NeTRG9g1oPVYfJEYWHWBWPlf5pdvfzdinJCHyY8jM\nSfEhIixfqXqfNAy7z1sB7NYDavqIEQpbj8lX5vlLwWUCQQDfR6gq1tPWWBhRTQpA\nBrZMDPSvwoJybpzlwWHRcdXFbpQWc6dTAWURMQzabiJ1S6TjXqGSFD/4BujdtXa2\n02p5AkEAlyixOhUZbbDS0tsPY/5Z1e4ul4a9GLZ70+sjnlOYX54InU1ZiIAsUN9A\nzEpz9r0TqFOqV7Vn2HQRVAh6JHioMQJBAItD2ZtmxViDOB+1qrgGt7u1tQTPkKep\nYIlZ1hZaJ1juwMVEO9BlJVHUw0yWtz1sAhujUamYodGlFaf74GDmexkCQH/+kgxj\nW9HJAqW/0PQlPIpKlp6LcQEj3sqzhj2Aixx05g9dPIZuihTK4cPZ8QQGaqCS6D4h\nU5MP+rr3vX3XDZY=\n-----END PRIVATE KEY-----\n"), ec = crypto.createPrivateKey("-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgRZwPrvC7KEAWFLgM\ndV5a/OvYHF/BR2bHjo3DE/hC31ChRANCAAQnCGUNcOBcUv7t3ZEzePo3YOdZyDyz\n3VEAlBTVaL2/aGWHxlYFJI9SZ6c8AvTHYoP5hPLOKJ4ZE8AJ/4g56CHB\n-----END PRIVATE KEY-----\n");
const cases = [
  () => crypto.sign('sha256', Buffer.from('x'), { key: ec, dsaEncoding: 'foo' }),
  () => crypto.sign('sha256', Buffer.from('x'), { key: k, saltLength: 'x', padding: 6 }),
  () => crypto.sign('foo', Buffer.from('x'), k),
  () => crypto.sign('sha256', 1, k),
  () => crypto.sign('sha256', Buffer.from('x')),
  () => crypto.sign('sha256', Buffer.from('x'), 1),
  () => crypto.sign(1, Buffer.from('x'), k),
  () => crypto.verify('sha256', Buffer.from('x'), k, 'sig'),
  () => crypto.createSign('sha256').sign(),
  () => crypto.createSign('sha256').update(1),
  () => crypto.createSign('foo'),
  () => crypto.createSign('sha256').update('x').sign(crypto.createPublicKey(k)),
  () => crypto.createSign('sha256').update('x').sign('garbage'),
  () => crypto.sign('sha256', Buffer.from('x'), crypto.createSecretKey(Buffer.from('k'))),
];
for (const f of cases) {
  try { f(); print('ok'); } catch (e) { print(e, e.message); }
}
//# sign objects
const crypto = require('crypto');
const k = crypto.createPrivateKey("-----BEGIN PRIVATE KEY-----\nMIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBANy1kYxXat5dk+bN\ncYQe5BmaMLs0oKHEo9cPYSe52fFx5izMqWu3qo0UlWB+mTYQhVxpxtPg09ttJh6B\nvmtR3UcCQGzgAfakK28BTl7+c/0HWNyHTmptqTKGwkbC5mUnSToX9ywIF4yTjImD\nTu1+y5UHxpHHjUqHAvIEEeFnITq9AgMBAAECgYBj63eXV8Q0I51f8kagD/Qoexvw\nxOSsGAAszvOnLoayvmP8iDNzZtU5xcXSx73JMjWOHv060yBWyNVnHkn9ADTypzYd\nGp8ye3KBKaYzV2fuexWYxP6MHPHWXKf1mHxQDJzppSlFfqtP52SgYsCDiP3XtVfg\n0UxjSl30U95FW0b9QQJBAP0NeTRG9g1oPVYfJEYWHWBWPlf5pdvfzdinJCHyY8jM\nSfEhIixfqXqfNAy7z1sB7NYDavqIEQpbj8lX5vlLwWUCQQDfR6gq1tPWWBhRTQpA\nBrZMDPSvwoJybpzlwWHRcdXFbpQWc6dTAWURMQzabiJ1S6TjXqGSFD/4BujdtXa2\n02p5AkEAlyixOhUZbbDS0tsPY/5Z1e4ul4a9GLZ70+sjnlOYX54InU1ZiIAsUN9A\nzEpz9r0TqFOqV7Vn2HQRVAh6JHioMQJBAItD2ZtmxViDOB+1qrgGt7u1tQTPkKep\nYIlZ1hZaJ1juwMVEO9BlJVHUw0yWtz1sAhujUamYodGlFaf74GDmexkCQH/+kgxj\nW9HJAqW/0PQlPIpKlp6LcQEj3sqzhj2Aixx05g9dPIZuihTK4cPZ8QQGaqCS6D4h\nU5MP+rr3vX3XDZY=\n-----END PRIVATE KEY-----\n");
const s = crypto.createSign('sha256');
print(s.constructor.name, crypto.createVerify('sha256').constructor.name, s.update('a') === s, typeof s.sign, typeof s.verify);
s.sign(k);
for (const f of [() => s.sign(k), () => s.update('b')]) {
  try { f(); print('ok'); } catch (e) { print(e, e.message); }
}
const v = crypto.createVerify('sha256');
v.update('a');
print(v.verify(k, Buffer.alloc(1)));
try { v.verify(k, Buffer.alloc(1)); } catch (e) { print(e, e.message); }
//# ecdsa
const crypto = require('crypto');
const k = crypto.createPrivateKey("-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgRZwPrvC7KEAWFLgM\ndV5a/OvYHF/BR2bHjo3DE/hC31ChRANCAAQnCGUNcOBcUv7t3ZEzePo3YOdZyDyz\n3VEAlBTVaL2/aGWHxlYFJI9SZ6c8AvTHYoP5hPLOKJ4ZE8AJ/4g56CHB\n-----END PRIVATE KEY-----\n");
const pub = crypto.createPublicKey(k);
const data = Buffer.from('ecdsa data');
const der = crypto.sign('sha256', data, k);
const p1363 = crypto.sign('sha256', data, { key: k, dsaEncoding: 'ieee-p1363' });
print(der[0], der.length >= 70 && der.length <= 72, p1363.length);
print(crypto.verify('sha256', data, pub, der), crypto.verify('sha256', data, { key: pub, dsaEncoding: 'ieee-p1363' }, p1363), crypto.verify('sha256', data, pub, p1363), crypto.verify('sha256', data, { key: pub, dsaEncoding: 'ieee-p1363' }, der));
print(crypto.verify('sha256', Buffer.from('other'), pub, der), crypto.verify(null, data, pub, crypto.sign(null, data, k)), crypto.verify('sha512', data, pub, crypto.sign('sha512', data, k)));
const nodeDer = Buffer.from('304402206eb9261b8c762571116453148f360f3b0fa9aa62d5f0eb0da461961effa56efa022022b01f640adef22065140e0c358dea3ccdb34f49b8e56f90c3d208a884d9f271', 'hex');
const nodeP1363 = Buffer.from('7aef54b46b3bd9ccdd55f130eaf1cc3f525d85a727debb049b1f73be535a4e33960dbf61b0d1da090dd9cee9d7fc38c7f603df5fcfc62700a1090a86b5504774', 'hex');
print(crypto.verify('sha256', Buffer.from('hello'), pub, nodeDer), crypto.verify('sha256', Buffer.from('hello'), { key: "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEJwhlDXDgXFL+7d2RM3j6N2DnWcg8\ns91RAJQU1Wi9v2hlh8ZWBSSPUmenPAL0x2KD+YTyziieGRPACf+IOeghwQ==\n-----END PUBLIC KEY-----\n", dsaEncoding: 'ieee-p1363' }, nodeP1363));
print(crypto.createVerify('sha256').update('hello').verify("-----BEGIN CERTIFICATE-----\nMIIBcjCCARmgAwIBAgIUG4/TSsm3jQ4XDqdFeGmjjrj3OnAwCgYIKoZIzj0EAwIw\nDzENMAsGA1UEAwwEdGVzdDAeFw0yNjEyMDQwMTMwMThaFw0zNjEyMDEwMTMwMTha\nMA8xDTALBgNVBAMMBHRlc3QwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQnCGUN\ncOBcUv7t3ZEzePo3YOdZyDyz3VEAlBTVaL2/aGWHxlYFJI9SZ6c8AvTHYoP5hPLO\nKJ4ZE8AJ/4g56CHBo1MwUTAdBgNVHQ4EFgQUT3CycCQMhcp/XqXRh7uRMCMK2Yww\nHwYDVR0jBBgwFoAUT3CycCQMhcp/XqXRh7uRMCMK2YwwDwYDVR0TAQH/BAUwAwEB\n/zAKBggqhkjOPQQDAgNHADBEAiAxmnNwkOThQTI0EXeijrAgN4MTovHQsJArWT2D\nEVw+RwIgT50jF9EpKO7e3tOdjnMnrkF5ZPa0H1+0n6PuhQsEiCk=\n-----END CERTIFICATE-----\n", nodeDer), crypto.createVerify('sha256').update(data).verify(pub, crypto.createSign('sha256').update(data).sign(k)));
try { crypto.createVerify('ecdsa-with-SHA256'); } catch (e) { print(e, e.message); }
print(crypto.createVerify('sha256').update(data).verify({ key: pub, dsaEncoding: 'ieee-p1363' }, crypto.createSign('sha256').update(data).sign({ key: k, dsaEncoding: 'ieee-p1363' }, 'hex'), 'hex'));
//# ecdsa P-384 and P-521
const crypto = require('crypto');
for (const [pem, alg] of [["-----BEGIN PRIVATE KEY-----\nMIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDB5ouoqTKKKv7F8ySHr\nzKAwcItQY7mSm7jsBNbcaMYZ6SN6V5TQx3ar6XQVXufjPTqhZANiAAQBQRrIRYzL\n0M6tI0AodKIYAVuC0MrYF9pbGf5gIeymnYAKOef2Cr6lkh2a9iay/HhBivxIVmOu\noPOZnA+F6UMXomymaPX14ocCx2zcg72Twf0LqmEuUCilZGzWV3Vleb0=\n-----END PRIVATE KEY-----\n", 'sha384'], ["-----BEGIN PRIVATE KEY-----\nMIHuAgEAMBAGByqGSM49AgEGBSuBBAAjBIHWMIHTAgEBBEIBe+lgxyJPeRXbOD1h\nXErbu0d/Wikle6aS/G8s7DB2f/74Qq9Y5PKUAiqE4eOlz1KhU5ms6n8GbpQ6h7Al\nKzg53D6hgYkDgYYABADHTjoXNMIMaWpL8Sklm8s/giFul6QZrFPAA7Uhjr9Kg32v\nJDB7oGuB98ccwOGJ83/Q1WEBi7P/UxfBBQEyy6UY0ACshBpTdfOWteizi3Mh1xAM\nkLy1PeNG6fpeYb2Z+m6Vx6SFkk4bcVWZV1mEd5yrornZXpzHxn91qtqbW3+HHexE\nBw==\n-----END PRIVATE KEY-----\n", 'sha512'], ["-----BEGIN PRIVATE KEY-----\nMIHuAgEAMBAGByqGSM49AgEGBSuBBAAjBIHWMIHTAgEBBEIBe+lgxyJPeRXbOD1h\nXErbu0d/Wikle6aS/G8s7DB2f/74Qq9Y5PKUAiqE4eOlz1KhU5ms6n8GbpQ6h7Al\nKzg53D6hgYkDgYYABADHTjoXNMIMaWpL8Sklm8s/giFul6QZrFPAA7Uhjr9Kg32v\nJDB7oGuB98ccwOGJ83/Q1WEBi7P/UxfBBQEyy6UY0ACshBpTdfOWteizi3Mh1xAM\nkLy1PeNG6fpeYb2Z+m6Vx6SFkk4bcVWZV1mEd5yrornZXpzHxn91qtqbW3+HHexE\nBw==\n-----END PRIVATE KEY-----\n", 'sha256']]) {
  const k = crypto.createPrivateKey(pem);
  const data = Buffer.from('curve ' + alg);
  const p = crypto.sign(alg, data, { key: k, dsaEncoding: 'ieee-p1363' });
  const d = crypto.createSign(alg).update(data).sign(k);
  print(k.asymmetricKeyDetails.namedCurve, alg, p.length, crypto.verify(alg, data, { key: k, dsaEncoding: 'ieee-p1363' }, p), crypto.createVerify(alg).update(data).verify(crypto.createPublicKey(k), d));
}
//# ed25519 signatures
const crypto = require('crypto');
const k = crypto.createPrivateKey("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEII0AoEMRjWLXmEZyolVxhagk/arqVEFdKS9/GfTBw/Bp\n-----END PRIVATE KEY-----\n");
const pub = crypto.createPublicKey(k);
const sig = crypto.sign(null, Buffer.from('ed25519 message'), k);
print(sig.toString('hex'));
print(crypto.sign(undefined, Buffer.from(''), "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEII0AoEMRjWLXmEZyolVxhagk/arqVEFdKS9/GfTBw/Bp\n-----END PRIVATE KEY-----\n").toString('base64'));
print(crypto.verify(null, Buffer.from('ed25519 message'), pub, sig), crypto.verify(null, Buffer.from('ed25519 messagE'), pub, sig), crypto.verify(null, Buffer.from('ed25519 message'), "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAK3ANnN/PP7YySSUDJFOF3fRi+zBsOxMShhGGqpmFYpI=\n-----END PUBLIC KEY-----\n", sig));
for (const f of [() => crypto.sign('sha256', Buffer.from('x'), k), () => crypto.createSign('sha256').update('x').sign(k), () => crypto.verify('sha512', Buffer.from('x'), pub, sig)]) {
  try { f(); print('ok'); } catch (e) { print(e, e.message); }
}
//# sign and verify callbacks
const crypto = require('crypto');
const k = crypto.createPrivateKey("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEII0AoEMRjWLXmEZyolVxhagk/arqVEFdKS9/GfTBw/Bp\n-----END PRIVATE KEY-----\n");
const sig = await new Promise((resolve, reject) => crypto.sign(null, Buffer.from('cb'), k, (err, s) => (err ? reject(err) : resolve(s))));
print(sig.toString('hex'));
await new Promise((resolve) => crypto.verify(null, Buffer.from('cb'), crypto.createPublicKey(k), sig, (err, ok) => { print(err, ok); resolve(); }));
//# generateKeyPairSync rsa
const crypto = require('crypto');
const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 });
print(publicKey.type, privateKey.type, privateKey.asymmetricKeyDetails, publicKey.asymmetricKeyDetails);
const sig = crypto.sign('sha256', Buffer.from('gen'), privateKey);
print(sig.length, crypto.verify('sha256', Buffer.from('gen'), publicKey, sig));
const enc = crypto.generateKeyPairSync('rsa', { modulusLength: 1024, publicExponent: 65537, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs1', format: 'der' } });
print(typeof enc.publicKey, enc.publicKey.split('\n')[0], Buffer.isBuffer(enc.privateKey), crypto.createPrivateKey({ key: enc.privateKey, format: 'der', type: 'pkcs1' }).asymmetricKeyDetails);
//# generateKeyPairSync ec and ed25519
const crypto = require('crypto');
for (const namedCurve of ['P-256', 'prime256v1', 'P-384', 'secp384r1', 'P-521']) {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ec', { namedCurve });
  print(namedCurve, privateKey.asymmetricKeyDetails, publicKey.asymmetricKeyType, crypto.verify('sha256', Buffer.from('x'), publicKey, crypto.sign('sha256', Buffer.from('x'), privateKey)));
}
const ed = crypto.generateKeyPairSync('ed25519');
print(ed.privateKey.asymmetricKeyType, ed.publicKey.export({ format: 'der', type: 'spki' }).length, crypto.verify(null, Buffer.from('y'), ed.publicKey, crypto.sign(null, Buffer.from('y'), ed.privateKey)));
const jw = crypto.generateKeyPairSync('ed25519', { publicKeyEncoding: { format: 'jwk' }, privateKeyEncoding: { format: 'pem', type: 'pkcs8' } });
print(jw.publicKey.kty, jw.publicKey.crv, jw.privateKey.split('\n')[0]);
const sec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'sec1', format: 'pem' } });
print(sec.publicKey.constructor.name, sec.privateKey.split('\n')[0]);
//# generateKeyPair
const crypto = require('crypto');
await new Promise((resolve) => crypto.generateKeyPair('ec', { namedCurve: 'P-256' }, (err, publicKey, privateKey) => {
  print(err, publicKey.type, privateKey.type, privateKey.asymmetricKeyDetails);
  resolve();
}));
await new Promise((resolve) => crypto.generateKeyPair('rsa', { modulusLength: 1024, publicKeyEncoding: { type: 'pkcs1', format: 'pem' } }, (err, publicKey, privateKey) => {
  print(err, publicKey.split('\n')[0], privateKey.asymmetricKeyDetails.modulusLength);
  resolve();
}));
const promisify = (f) => (...a) => new Promise((res, rej) => f(...a, (e, ...v) => (e ? rej(e) : res(v))));
const [pub, priv] = await promisify(crypto.generateKeyPair)('ed25519', {});
print(pub.asymmetricKeyType, priv.type);
//# generateKeyPairSync errors
const crypto = require('crypto');
const cases = [
  () => crypto.generateKeyPairSync('rsa', {}),
  () => crypto.generateKeyPairSync('ec', {}),
  () => crypto.generateKeyPairSync('ec', { namedCurve: 'foo' }),
  () => crypto.generateKeyPairSync('dsa2', {}),
  () => crypto.generateKeyPairSync('rsa', { modulusLength: 1024.5 }),
  () => crypto.generateKeyPairSync('rsa', { modulusLength: -1 }),
  () => crypto.generateKeyPairSync('rsa', 1),
  () => crypto.generateKeyPairSync(1, {}),
  () => crypto.generateKeyPair('ed25519', {}),
  () => crypto.generateKeyPairSync('ed25519', { privateKeyEncoding: { format: 'pem' } }),
  () => crypto.generateKeyPairSync('ec', { namedCurve: 'P-256', publicKeyEncoding: { type: 'pkcs8', format: 'pem' } }),
  () => crypto.generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs1', format: 'pem' } }),
  () => crypto.generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'xml' } }),
];
for (const f of cases) {
  try { f(); print('ok'); } catch (e) { print(e, e.message); }
}
//# rsa oaep
const crypto = require('crypto');
const k = crypto.createPrivateKey("-----BEGIN PRIVATE KEY-----\nMIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBANy1kYxXat5dk+bN\ncYQe5BmaMLs0oKHEo9cPYSe52fFx5izMqWu3qo0UlWB+mTYQhVxpxtPg09ttJh6B\nvmtR3UcCQGzgAfakK28BTl7+c/0HWNyHTmptqTKGwkbC5mUnSToX9ywIF4yTjImD\nTu1+y5UHxpHHjUqHAvIEEeFnITq9AgMBAAECgYBj63eXV8Q0I51f8kagD/Qoexvw\nxOSsGAAszvOnLoayvmP8iDNzZtU5xcXSx73JMjWOHv060yBWyNVnHkn9ADTypzYd\nGp8ye3KBKaYzV2fuexWYxP6MHPHWXKf1mHxQDJzppSlFfqtP52SgYsCDiP3XtVfg\n0UxjSl30U95FW0b9QQJBAP0NeTRG9g1oPVYfJEYWHWBWPlf5pdvfzdinJCHyY8jM\nSfEhIixfqXqfNAy7z1sB7NYDavqIEQpbj8lX5vlLwWUCQQDfR6gq1tPWWBhRTQpA\nBrZMDPSvwoJybpzlwWHRcdXFbpQWc6dTAWURMQzabiJ1S6TjXqGSFD/4BujdtXa2\n02p5AkEAlyixOhUZbbDS0tsPY/5Z1e4ul4a9GLZ70+sjnlOYX54InU1ZiIAsUN9A\nzEpz9r0TqFOqV7Vn2HQRVAh6JHioMQJBAItD2ZtmxViDOB+1qrgGt7u1tQTPkKep\nYIlZ1hZaJ1juwMVEO9BlJVHUw0yWtz1sAhujUamYodGlFaf74GDmexkCQH/+kgxj\nW9HJAqW/0PQlPIpKlp6LcQEj3sqzhj2Aixx05g9dPIZuihTK4cPZ8QQGaqCS6D4h\nU5MP+rr3vX3XDZY=\n-----END PRIVATE KEY-----\n");
const pub = crypto.createPublicKey(k);
const ct = crypto.publicEncrypt(pub, Buffer.from('oaep sha1'));
print(ct.length, crypto.privateDecrypt(k, ct).toString());
const ct2 = crypto.publicEncrypt({ key: pub, oaepHash: 'sha256', oaepLabel: Buffer.from('lbl') }, 'oaep sha256');
print(crypto.privateDecrypt({ key: k, oaepHash: 'sha256', oaepLabel: Buffer.from('lbl') }, ct2).toString());
print(crypto.privateDecrypt("-----BEGIN PRIVATE KEY-----\nMIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBANy1kYxXat5dk+bN\ncYQe5BmaMLs0oKHEo9cPYSe52fFx5izMqWu3qo0UlWB+mTYQhVxpxtPg09ttJh6B\nvmtR3UcCQGzgAfakK28BTl7+c/0HWNyHTmptqTKGwkbC5mUnSToX9ywIF4yTjImD\nTu1+y5UHxpHHjUqHAvIEEeFnITq9AgMBAAECgYBj63eXV8Q0I51f8kagD/Qoexvw\nxOSsGAAszvOnLoayvmP8iDNzZtU5xcXSx73JMjWOHv060yBWyNVnHkn9ADTypzYd\nGp8ye3KBKaYzV2fuexWYxP6MHPHWXKf1mHxQDJzppSlFfqtP52SgYsCDiP3XtVfg\n0UxjSl30U95FW0b9QQJBAP0NeTRG9g1oPVYfJEYWHWBWPlf5pdvfzdinJCHyY8jM\nSfEhIixfqXqfNAy7z1sB7NYDavqIEQpbj8lX5vlLwWUCQQDfR6gq1tPWWBhRTQpA\nBrZMDPSvwoJybpzlwWHRcdXFbpQWc6dTAWURMQzabiJ1S6TjXqGSFD/4BujdtXa2\n02p5AkEAlyixOhUZbbDS0tsPY/5Z1e4ul4a9GLZ70+sjnlOYX54InU1ZiIAsUN9A\nzEpz9r0TqFOqV7Vn2HQRVAh6JHioMQJBAItD2ZtmxViDOB+1qrgGt7u1tQTPkKep\nYIlZ1hZaJ1juwMVEO9BlJVHUw0yWtz1sAhujUamYodGlFaf74GDmexkCQH/+kgxj\nW9HJAqW/0PQlPIpKlp6LcQEj3sqzhj2Aixx05g9dPIZuihTK4cPZ8QQGaqCS6D4h\nU5MP+rr3vX3XDZY=\n-----END PRIVATE KEY-----\n", Buffer.from('O6BwhdQHTxaRKAVU9otCtCbWjehk6JL6GAVKC8JE81K+OqSoq5ZzxCp227hsMJHOXnvRsW6kpGk1mhDxf1WfrW4yc8nWYEzM6TEPcdwDNAFl1lT380eTSKmyVt6OBUF+ItUX/zqMbuqa2MMJAOZDkllFXJp0NKhvalOxE6vwWTY=', 'base64')).toString());
print(crypto.privateDecrypt({ key: k, oaepHash: 'sha256', oaepLabel: Buffer.from('label') }, Buffer.from('kuaBGlgDY27bi2VLu/x9qBVIjoyQRxXO/ZzJ0Jm3I1BJwvfUDDGZoTv6YZ8vwraZB38twnhlMGPkf9aQ5Y+YxrQ5dfRYP/RS1iyCPOcqM9TbIbxWCqwK1wCegZ3PITAB0F16g6jmOfqN/55/QG0aajXbqavok/fF/iwbDRoqVus=', 'base64')).toString());
print(crypto.privateDecrypt(k, crypto.publicEncrypt(k, Buffer.alloc(86, 1))).length, crypto.publicEncrypt("-----BEGIN PUBLIC KEY-----\nMIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDctZGMV2reXZPmzXGEHuQZmjC7\nNKChxKPXD2EnudnxceYszKlrt6qNFJVgfpk2EIVcacbT4NPbbSYegb5rUd1HAkBs\n4AH2pCtvAU5e/nP9B1jch05qbakyhsJGwuZlJ0k6F/csCBeMk4yJg07tfsuVB8aR\nx41KhwLyBBHhZyE6vQIDAQAB\n-----END PUBLIC KEY-----\n", Buffer.alloc(0)).length);
print(crypto.publicEncrypt({ key: pub, padding: crypto.constants.RSA_PKCS1_PADDING }, Buffer.from('v15')).length);
//# rsa encryption errors
const crypto = require('crypto');
const k = crypto.createPrivateKey("-----BEGIN PRIVATE KEY-----\nMIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBANy1kYxXat5dk+bN\ncYQe5BmaMLs0oKHEo9cPYSe52fFx5izMqWu3qo0UlWB+mTYQhVxpxtPg09ttJh6B\nvmtR3UcCQGzgAfakK28BTl7+c/0HWNyHTmptqTKGwkbC5mUnSToX9ywIF4yTjImD\nTu1+y5UHxpHHjUqHAvIEEeFnITq9AgMBAAECgYBj63eXV8Q0I51f8kagD/Qoexvw\nxOSsGAAszvOnLoayvmP8iDNzZtU5xcXSx73JMjWOHv060yBWyNVnHkn9ADTypzYd\nGp8ye3KBKaYzV2fuexWYxP6MHPHWXKf1mHxQDJzppSlFfqtP52SgYsCDiP3XtVfg\n0UxjSl30U95FW0b9QQJBAP0NeTRG9g1oPVYfJEYWHWBWPlf5pdvfzdinJCHyY8jM\nSfEhIixfqXqfNAy7z1sB7NYDavqIEQpbj8lX5vlLwWUCQQDfR6gq1tPWWBhRTQpA\nBrZMDPSvwoJybpzlwWHRcdXFbpQWc6dTAWURMQzabiJ1S6TjXqGSFD/4BujdtXa2\n02p5AkEAlyixOhUZbbDS0tsPY/5Z1e4ul4a9GLZ70+sjnlOYX54InU1ZiIAsUN9A\nzEpz9r0TqFOqV7Vn2HQRVAh6JHioMQJBAItD2ZtmxViDOB+1qrgGt7u1tQTPkKep\nYIlZ1hZaJ1juwMVEO9BlJVHUw0yWtz1sAhujUamYodGlFaf74GDmexkCQH/+kgxj\nW9HJAqW/0PQlPIpKlp6LcQEj3sqzhj2Aixx05g9dPIZuihTK4cPZ8QQGaqCS6D4h\nU5MP+rr3vX3XDZY=\n-----END PRIVATE KEY-----\n");
const cases = [
  () => crypto.privateDecrypt(k, Buffer.alloc(128)),
  () => crypto.publicEncrypt(k, Buffer.alloc(87)),
  () => crypto.publicEncrypt({ key: k, oaepHash: 'sha256' }, Buffer.alloc(63)),
  () => crypto.publicEncrypt({ key: k, oaepHash: 'foo' }, Buffer.from('x')),
  () => crypto.privateDecrypt({ key: k, padding: crypto.constants.RSA_PKCS1_PADDING }, Buffer.alloc(128)),
  () => crypto.privateDecrypt(crypto.createPublicKey(k), Buffer.alloc(128)),
  () => crypto.publicEncrypt(crypto.createPrivateKey("-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgRZwPrvC7KEAWFLgM\ndV5a/OvYHF/BR2bHjo3DE/hC31ChRANCAAQnCGUNcOBcUv7t3ZEzePo3YOdZyDyz\n3VEAlBTVaL2/aGWHxlYFJI9SZ6c8AvTHYoP5hPLOKJ4ZE8AJ/4g56CHB\n-----END PRIVATE KEY-----\n"), Buffer.from('x')),
  () => crypto.publicEncrypt(k, 1),
  () => crypto.privateDecrypt({ key: k, oaepHash: 'sha256' }, crypto.publicEncrypt(k, Buffer.from('x'))),
];
for (const f of cases) {
  try { f(); print('ok'); } catch (e) { print(e, e.message); }
}
//# constants
const crypto = require('crypto');
const c = crypto.constants;
print(c.RSA_PKCS1_PADDING, c.RSA_NO_PADDING, c.RSA_PKCS1_OAEP_PADDING, c.RSA_PKCS1_PSS_PADDING, c.RSA_PSS_SALTLEN_DIGEST, c.RSA_PSS_SALTLEN_MAX_SIGN, c.RSA_PSS_SALTLEN_AUTO);
//# key classes
const crypto = require('crypto');
const priv = crypto.createPrivateKey("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEII0AoEMRjWLXmEZyolVxhagk/arqVEFdKS9/GfTBw/Bp\n-----END PRIVATE KEY-----\n");
const pub = crypto.createPublicKey(priv);
const sec = crypto.createSecretKey(Buffer.from('s'));
print(priv.constructor.name, pub.constructor.name, sec.constructor.name, Object.keys(priv), priv instanceof crypto.KeyObject, pub instanceof crypto.KeyObject);
print(sec.asymmetricKeyType, priv.symmetricKeySize, sec.equals(priv), priv.equals(pub), pub.equals(crypto.createPublicKey("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAK3ANnN/PP7YySSUDJFOF3fRi+zBsOxMShhGGqpmFYpI=\n-----END PUBLIC KEY-----\n")));
print(Object.getPrototypeOf(Object.getPrototypeOf(priv)) === Object.getPrototypeOf(Object.getPrototypeOf(pub)), Object.getPrototypeOf(Object.getPrototypeOf(Object.getPrototypeOf(priv))) === crypto.KeyObject.prototype);
