/**
 * The option types of the package, read with the TypeScript compiler API from src/index.ts:
 * for an exported type name, its properties (inherited ones included, through `extends`,
 * `Omit` and `Pick`), each with its declared type and the first sentence of its TSDoc.
 * Used by options.test.ts to hold docs/options.md to the types.
 */
import path from 'node:path';
import ts from 'typescript';

export interface OptionProperty {
  name: string;
  type: string;
  optional: boolean;
  doc: string;
}

/** The factories of docs/options.md: the heading of each table, and the option type it documents. */
export const FACTORIES: Array<{ heading: string; type: string }> = [
  { heading: '`createServer(options)`', type: 'ServerOptions' },
  { heading: '`createServer({ hardened: { ... } })`', type: 'HardenedOptions' },
  { heading: '`createServer({ pkce: { ... } })`', type: 'PkcePolicy' },
  { heading: '`createServer({ dpop: { ... } })`', type: 'DpopOptions' },
  { heading: '`server.authorize(options, validate, immediate?, complete?)`', type: 'AuthorizationOptions' },
  { heading: '`server.decision(options, parse?, complete?)`', type: 'DecisionOptions' },
  { heading: '`server.resume(options, immediate, complete?)`', type: 'ResumeOptions' },
  { heading: '`server.authorizationErrorHandler(options)`', type: 'AuthorizationErrorHandlerOptions' },
  { heading: '`server.token(options)`', type: 'TokenOptions' },
  { heading: '`server.errorHandler(options)`', type: 'ErrorHandlerOptions' },
  { heading: '`grant.code(options, issue, extend?)`', type: 'CodeGrantOptions' },
  { heading: '`grant.token(options, issue)`', type: 'TokenGrantOptions' },
  { heading: '`grant.deviceCode(options, decide)`', type: 'DeviceCodeGrantOptions' },
  { heading: '`exchange.code(options, issue)`', type: 'AuthorizationCodeOptions' },
  { heading: '`exchange.code({ pkce: { ... } })`', type: 'AuthorizationCodePkceOptions' },
  { heading: '`exchange.clientCredentials(options, issue)`', type: 'ClientCredentialsOptions' },
  { heading: '`exchange.password(options, issue)`', type: 'PasswordOptions' },
  { heading: '`exchange.refreshToken(options, issue)`', type: 'RefreshTokenOptions' },
  { heading: '`exchange.tokenExchange(options, issue)`', type: 'TokenExchangeOptions' },
  { heading: '`exchange.jwtBearer(options, issue)`', type: 'JwtBearerOptions' },
  { heading: '`exchange.deviceCode(options, issue)`', type: 'DeviceCodeOptions' },
  { heading: '`server.metadata(options)`', type: 'MetadataOptions' },
  { heading: '`server.revocation(options, revoke)`', type: 'RevocationOptions' },
  { heading: '`server.introspection(options, lookup)`', type: 'IntrospectionOptions' },
  { heading: '`server.clientAssertion(options, verify)`', type: 'ClientAssertionOptions' },
  { heading: '`server.authenticateClient(options, lookup)`', type: 'AuthenticateClientOptions' },
  { heading: '`server.deviceAuthorization(options, store)`', type: 'DeviceAuthorizationOptions' },
  { heading: '`server.deviceVerification(options, lookup)`', type: 'DeviceVerificationOptions' },
  { heading: '`server.pushedAuthorization(options, validate, store)`', type: 'PushedAuthorizationOptions' },
  { heading: '`bearer(options, verify)`', type: 'BearerOptions' },
  { heading: '`bearer({ dpop: { ... } })`', type: 'BearerDpopOptions' },
  { heading: '`protectedResourceMetadata(options)`', type: 'ProtectedResourceMetadataOptions' },
  { heading: '`server.registration(options, store)`', type: 'RegistrationOptions' },
  { heading: '`server.registration({ throttle: { ... } })`', type: 'RegistrationThrottleOptions' },
  { heading: '`server.clientConfiguration(options, store)`', type: 'ClientConfigurationOptions' },
  { heading: '`server.clientIdMetadataDocuments(options)`', type: 'ClientIdMetadataOptions' },
  { heading: '`new SessionStore(config)`', type: 'SessionStoreConfig' },
  { heading: '`new RedisTransactionStore(options)`', type: 'RedisTransactionStoreOptions' },
  { heading: '`new MemoryAttemptStore(options)`', type: 'MemoryAttemptStoreOptions' },
  { heading: '`new RedisAttemptStore(options)`', type: 'RedisAttemptStoreOptions' },
  { heading: '`new MemoryReplayStore(options)`', type: 'MemoryReplayStoreOptions' },
  { heading: '`new RedisReplayStore(options)`', type: 'RedisReplayStoreOptions' },
  { heading: '`new MemoryAuthorizationCodeStore(options)`', type: 'MemoryAuthorizationCodeStoreOptions' },
  { heading: '`new RedisAuthorizationCodeStore(options)`', type: 'RedisAuthorizationCodeStoreOptions' },
  { heading: '`new MemoryRefreshFamilyStore(options)`', type: 'MemoryRefreshFamilyStoreOptions' },
  { heading: '`new RedisRefreshFamilyStore(options)`', type: 'RedisRefreshFamilyStoreOptions' },
  { heading: '`rotateRefreshTokens(store, options)`', type: 'RefreshRotationOptions' },
  { heading: '`new MemoryDeviceCodeStore(options)`', type: 'MemoryDeviceCodeStoreOptions' },
  { heading: '`new RedisDeviceCodeStore(options)`', type: 'RedisDeviceCodeStoreOptions' },
  { heading: '`deviceCodeCallbacks(store, options)`', type: 'DeviceCodeCallbacksOptions' },
  { heading: '`new MemoryRequestURIStore(options)`', type: 'MemoryRequestURIStoreOptions' },
  { heading: '`new RedisRequestURIStore(options)`', type: 'RedisRequestURIStoreOptions' },
  { heading: '`createThrottle(options)`', type: 'ThrottleOptions' },
  { heading: '`configureDiagnostics(options)`', type: 'DiagnosticsOptions' },
  { heading: '`verifyDpopProof(req, options)`', type: 'VerifyDpopProofOptions' },
  { heading: '`new DpopNonces(options)`', type: 'DpopNonceOptions' },
];

const root = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '..', '..');

let cached: { checker: ts.TypeChecker; exports: Map<string, ts.Symbol> } | undefined;

function load() {
  if (cached) return cached;
  const config = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const entry = path.join(root, 'src', 'index.ts');
  const program = ts.createProgram([entry], { ...parsed.options, noEmit: true });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
  const exports = new Map(checker.getExportsOfModule(module).map((s) => [s.name, s]));
  cached = { checker, exports };
  return cached;
}

/** Every exported type name of the package that ends in `Options`, `Config` or is `PkcePolicy`. */
export function exportedOptionTypes(): string[] {
  return [...load().exports.keys()].filter((n) => /(Options|Config)$/.test(n) || n === 'PkcePolicy').sort();
}

/** The properties of the exported type `name`. */
export function optionProperties(name: string): OptionProperty[] {
  const { checker, exports } = load();
  let symbol = exports.get(name);
  if (!symbol) throw new Error(`src/index.ts exports no type ${name}`);
  if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  const type = checker.getDeclaredTypeOfSymbol(symbol);
  return checker.getPropertiesOfType(type).map((p) => {
    const decl = p.valueDeclaration ?? p.declarations?.[0];
    const declared = decl && (ts.isPropertySignature(decl) || ts.isPropertyDeclaration(decl)) && decl.type;
    const text = declared ? declared.getText() : checker.typeToString(checker.getTypeOfSymbol(p));
    const doc = ts.displayPartsToString(p.getDocumentationComment(checker)).replace(/\s+/g, ' ').trim();
    return { name: p.name, type: text.replace(/\s+/g, ' '), optional: (p.flags & ts.SymbolFlags.Optional) !== 0, doc };
  });
}
