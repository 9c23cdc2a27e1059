import type { InjectionCategory } from '../injection.js';

/** One screening rule. Patterns use bounded quantifiers only, so a scan is linear in the text. */
export interface InjectionRule {
  readonly id: string;
  readonly category: InjectionCategory;
  readonly score: number;
  readonly pattern: RegExp;
}

const OVERRIDE_VERBS =
  'ignore|ignoring|disregard|disregarding|forget|override|bypass|neglect|abandon|drop|discard';
const PRIOR =
  'previous|prior|above|preceding|earlier|original|initial|all|any|every|your|the|these|those|system|developer';
const GUIDANCE =
  'instructions?|prompts?|directions?|directives?|rules?|guidelines?|context|messages?|commands?|programming|restrictions?|polic(?:y|ies)|constraints?|orders?|tasks?|training';
const AI =
  '(?:ai|a\\.i\\.|assistant|ai assistant|chatbot|llm|language model|ai model|model|ai agent|agent|bot|gpt|chatgpt)';
const OUTPUT =
  '(?:answer|answers|response|responses|reply|replies|output|message|final answer|summary|completion)';
const DIRECTIVE =
  "add|include|insert|append|prepend|integrate|incorporate|modify|augment|enhance|embed|replace|use|provide|render|remove|group|combine|introduce|misspell|scramble|rearrange|jumble|convert|substitute|translate|write|respond|reply|answer|begin|start|end|finish|mention|tell|say|state|suggest|recommend|promote|encourage|direct|urge|advise|ensure|make sure|remember to|do not forget|don't forget|always|never|refuse|format|rewrite|present|express|highlight|emphasi[sz]e|stress|tease|hint|invite|share|offer|list|output|print|return|reveal|disclose";
const CODE_VERBS =
  'add|include|insert|integrate|incorporate|embed|merge|blend|weave|fuse|meld|infuse|inject|interweave|enlist|deploy|adopt|utili[sz]e|use|employ|leverage|absorb|engage|harmoni[sz]e|execute|run|paste|append|copy|combine|assimilate|introduce|consider|ensure|keep';

function rule(
  id: string,
  category: InjectionCategory,
  score: number,
  source: string,
  flags = 'giu',
): InjectionRule {
  return { id, category, score, pattern: new RegExp(source, flags) };
}

/**
 * The built-in rules. They look for the *form* of an injection (an instruction addressed to the
 * model, a forged role marker, a payload meant for the model's output or tools), not for topics.
 */
export const INJECTION_RULES: readonly InjectionRule[] = [
  // Overriding the model's instructions.
  rule(
    'ignore-previous',
    'instruction',
    0.95,
    `\\b(?:${OVERRIDE_VERBS})\\b[^.\\n]{0,40}?\\b(?:${PRIOR})\\b[^.\\n]{0,30}?\\b(?:${GUIDANCE})\\b`,
  ),
  rule(
    'new-instructions',
    'instruction',
    0.8,
    '\\b(?:new|updated|revised|real|actual|true|hidden|secret|additional|important)\\s(?:instructions?|task|objective|directive|orders?|system prompt)\\s?:',
  ),
  rule(
    'instead-do',
    'instruction',
    0.5,
    `\\binstead(?:,| of)\\b[^.\\n]{0,60}?\\b(?:you (?:must|should|will)|do the following|follow these)\\b`,
  ),
  rule('do-anything-now', 'instruction', 0.95, '\\bdo anything now\\b'),
  rule('dan', 'instruction', 0.6, '\\bDAN\\b', 'gu'),
  rule('jailbreak', 'instruction', 0.7, '\\bjail\\s?br(?:eak|oken|eaking)\\b'),
  rule(
    'developer-mode',
    'instruction',
    0.7,
    '\\b(?:developer|dev|debug|god|admin|sudo|maintenance|unrestricted) mode\\b',
  ),
  rule(
    'unrestricted-persona',
    'instruction',
    0.6,
    '\\b(?:evil|unfiltered|uncensored|unrestricted|amoral|unethical|immoral|unbound|unchained|rogue|jailbroken)\\s(?:mode|ai|a\\.i\\.|assistant|bot|chatbot|model|version|persona|character|entity|language model)\\b',
  ),
  rule(
    'no-restrictions',
    'instruction',
    0.5,
    '\\b(?:no|without|free (?:of|from)|not (?:bound|restricted|limited|constrained) by|bypass(?:es|ing)?|ignor(?:e|es|ing)|break(?:s|ing)?|beyond|above)\\s(?:any\\s)?(?:of\\s)?(?:the\\s)?(?:\\w+\\s){0,2}?(?:restrictions|limitations|filters|filtering|censorship|guidelines|ethical guidelines|ethics|morals|morality|content polic(?:y|ies)|safety (?:rules|guidelines|measures)|rules)\\b',
  ),
  rule(
    'vendor-policy',
    'instruction',
    0.6,
    "\\b(?:openai|anthropic|google|meta)(?:'s|s)?\\s(?:content\\s|usage\\s|safety\\s)?(?:polic(?:y|ies)|guidelines|rules|filters|restrictions)\\b",
  ),
  rule(
    'stay-in-character',
    'instruction',
    0.5,
    '\\b(?:stay|staying|remain|keep)\\s(?:in|true to)\\s(?:the\\s)?character\\b|\\bbreak(?:ing)?\\scharacter\\b',
  ),
  rule(
    'you-are-now',
    'instruction',
    0.45,
    "\\byou (?:are|will be|shall be|'re) (?:now|going to|about to|no longer)\\b",
  ),
  rule(
    'from-now-on',
    'instruction',
    0.45,
    '\\b(?:from now on|from this (?:point|moment) (?:on|forward)|for the rest of this conversation|henceforth)\\b',
  ),
  rule(
    'pretend',
    'instruction',
    0.35,
    "\\b(?:pretend|imagine|simulate|roleplay|role-play)\\s(?:to be|you are|that you|you're|being)\\b",
  ),
  rule('act-as-ai', 'instruction', 0.5, `\\bact(?:ing)? as (?:an? |the )?(?:\\w+ ){0,3}?${AI}\\b`),
  rule('as-an-ai', 'instruction', 0.3, '\\bas an ai(?: language model)?\\b'),
  rule(
    'model-names',
    'instruction',
    0.3,
    '\\b(?:chatgpt|gpt-?[34][a-z0-9.]{0,4}|claude|gemini|bard|llama)\\b',
  ),
  rule('system-prompt', 'instruction', 0.45, '\\b(?:system|developer|initial|hidden|original) prompt\\b'),
  rule(
    'reveal-prompt',
    'instruction',
    0.85,
    '\\b(?:reveal|print|show|output|repeat|leak|disclose|display|tell me|give me|write out|spell out)\\b[^.\\n]{0,30}?\\b(?:system prompt|(?:your|the|initial|hidden|original|secret)\\s(?:prompt|instructions))\\b',
  ),
  rule(
    'addressed-to-ai',
    'instruction',
    0.85,
    `\\b(?:note|message|instructions?|attention|reminder|request|directive|task|memo)\\s(?:to|for)\\s(?:the\\s|any\\s|all\\s|an\\s)?(?:\\w+\\s)?${AI}s?\\b`,
  ),
  rule(
    'if-you-are-ai',
    'instruction',
    0.8,
    `\\b(?:if|since|because|when|while)\\syou(?:'re| are)\\s(?:an?\\s|the\\s)?(?:\\w+\\s)?${AI}\\b`,
  ),
  rule(
    'hey-ai',
    'instruction',
    0.6,
    `(?:^|[\\n.!?]\\s{0,4})(?:dear|hey|hi|hello|attention|ok|okay|important)?\\s?,?\\s?${AI}\\s?[,:!]\\s`,
  ),
  // Instructions about what the model should write (indirect injection into a task).
  rule(
    'directs-output',
    'instruction',
    0.75,
    `(?:^|[\\n.!?:;]\\s{0,4}|\\b(?:please|kindly|also|and|then)\\s)(?:${DIRECTIVE})\\b[^\\n.!?]{0,120}?\\b(?:your|the|this|each|every|all)\\s(?:\\w+\\s)?${OUTPUT}\\b`,
  ),
  rule(
    'in-your-output',
    'instruction',
    0.6,
    `\\b(?:in|into|to|within|throughout)\\s(?:your|each|every|all)\\s(?:\\w+\\s)?${OUTPUT}s?\\b`,
  ),
  rule('your-output', 'instruction', 0.35, `\\byour\\s${OUTPUT}(?:'s)?\\b`),
  rule(
    'output-position',
    'instruction',
    0.7,
    `\\b(?:at the (?:end|beginning|start|top|bottom) of|before|after|when writing|when giving)\\s(?:your|each|every|the)\\s${OUTPUT}\\b`,
  ),
  rule(
    'respond-with',
    'instruction',
    0.4,
    '\\b(?:respond|reply|answer)\\s(?:only\\s)?(?:with|in|using|by)\\b',
  ),
  rule(
    'must-respond',
    'instruction',
    0.55,
    '\\byou (?:must|should|will|have to|need to|are required to)\\s(?:always\\s|only\\s|now\\s)?(?:respond|reply|answer|say|write|output|include|start|begin|end|refuse|comply|obey|follow)\\b',
  ),
  // Code to slip into an answer, and code that exfiltrates or destroys.
  rule(
    'insert-code',
    'malicious-code',
    0.55,
    `\\b(?:${CODE_VERBS})\\b[^\\n]{0,80}?\\b(?:following|subsequent|below|this|provided|given)\\b[^\\n]{0,25}?\\b(?:code|snippet|excerpt|block|section|script|lines?)\\b`,
  ),
  rule(
    'into-your-code',
    'malicious-code',
    0.35,
    '\\b(?:in|into|to|within|of|with|for)\\s(?:your|the)\\s(?:\\w+\\s)?(?:code(?:base)?|solution|implementation|algorithm|program|script|software|application|project|answer)\\b',
  ),
  rule(
    'secret-source',
    'malicious-code',
    0.35,
    '\\bos\\.environ\\b|\\bprocess\\.env\\b|\\bdocument\\.cookie\\b|\\bcookies?\\.(?:txt|pkl|sqlite)\\b|\\/etc\\/(?:passwd|shadow)\\b|\\bid_rsa\\b|\\.aws\\/credentials\\b|\\.ssh\\/|\\bkeychain\\b|\\bpsutil\\.|\\blocalStorage\\b|\\bgetenv\\(',
  ),
  rule(
    'network-sink',
    'malicious-code',
    0.35,
    '\\brequests\\.(?:post|put|get)\\(|\\burllib\\d?\\.|\\bhttp\\.client\\b|\\bsmtplib\\b|\\bftplib\\b|\\bsocket\\.socket\\(|\\bparamiko\\b|\\bcurl\\s|\\bwget\\s|\\bfetch\\(\\s?["\'`]https?:|\\bXMLHttpRequest\\b|\\bnavigator\\.sendBeacon\\b',
  ),
  rule(
    'destructive-command',
    'malicious-code',
    0.8,
    '\\brm\\s-(?:rf|fr)\\s\\/|\\bdd\\sif=\\/dev\\/(?:zero|random|urandom)\\s|\\bmkfs\\b|:\\(\\)\\s?\\{\\s?:\\|:&\\s?\\};:|\\bchmod\\s\\+x\\b[^\\n]{0,60}?&&\\s?\\.\\/|\\bcurl\\s[^\\n|]{0,200}\\|\\s?(?:sudo\\s)?(?:ba|z)?sh\\b|\\bexec\\(\\s?open\\(|\\beval\\(\\s?(?:atob|base64)|\\bxmrig\\b|\\bstratum\\+tcp\\b|\\bcryptominer\\b|\\bsystemctl\\sstop\\b|\\/etc\\/init\\.d\\/',
  ),
  // Forged roles and delimiters.
  rule(
    'chat-template-token',
    'role-spoofing',
    0.9,
    '<\\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id|begin_of_text)\\|>|\\[\\/?INST\\]|<<\\/?SYS>>|<\\/?(?:start|end)_of_turn>',
    'gu',
  ),
  rule(
    'role-line',
    'role-spoofing',
    0.55,
    '(?:^|\\n)\\s{0,4}(?:#{1,4}\\s?)?\\[?(?:system|developer|admin|administrator|root)\\]?\\s?(?:message|note|prompt|instructions?|override)?\\s?:',
    'giu',
  ),
  rule(
    'role-tag',
    'role-spoofing',
    0.65,
    '<\\/?(?:system|instructions?|admin|sys|system[-_]prompt|im_start|assistant)>|\\[(?:system|admin|developer)(?:\\s(?:message|note|override|prompt))?\\]',
  ),
  rule(
    'system-note',
    'role-spoofing',
    0.6,
    '\\b(?:system|admin|administrator|developer|security)\\s(?:note|message|override|alert|instruction|notice|update)s?\\s?[:!-]',
  ),
  rule(
    'end-of-context',
    'role-spoofing',
    0.4,
    '\\b(?:end|beginning|start) of (?:the )?(?:document|context|email|input|data|user input|conversation|prompt|instructions)\\b',
  ),
  // Getting data out.
  rule(
    'send-data-to',
    'exfiltration-link',
    0.4,
    '\\b(?:send|post|upload|forward|exfiltrate|transmit|leak|e-?mail|submit)\\b[^.\\n]{0,60}?\\b(?:to|at|via)\\b\\s(?:https?:\\/\\/|www\\.|[\\w.+-]{1,64}@[\\w-]{1,63}\\.)',
  ),
  rule(
    'decode-and-follow',
    'encoded-payload',
    0.6,
    '\\b(?:decode|decrypt|deobfuscate)\\b[^.\\n]{0,40}?\\b(?:base64|hex|rot13|cipher|encoded|following)\\b[^.\\n]{0,60}?\\b(?:follow|execute|run|obey|do|perform)\\b',
  ),
  // The same in a few other languages.
  rule(
    'ignore-previous-de',
    'instruction',
    0.9,
    '\\bignorier(?:e|en|t)?\\b[^.\\n]{0,30}?\\b(?:vorherigen|bisherigen|obigen|alle)\\b[^.\\n]{0,20}?\\b(?:anweisungen|regeln|befehle)\\b',
  ),
  rule(
    'ignore-previous-fr',
    'instruction',
    0.9,
    '\\bignore[rz]?\\b[^.\\n]{0,30}?\\b(?:instructions|consignes|règles)\\s(?:précédentes|antérieures|ci-dessus)\\b',
  ),
  rule(
    'ignore-previous-es',
    'instruction',
    0.9,
    '\\bignor(?:a|e|ar)\\b[^.\\n]{0,30}?\\b(?:instrucciones|reglas)\\s(?:anteriores|previas)\\b',
  ),
];
