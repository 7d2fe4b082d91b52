// Drives the server with the official OpenAI SDK for JavaScript (npm "openai"), as a user would: log-probabilities
// on both routes, streamed too, and vLLM's guided_choice sent as an extra body field. Prints "ok: <check>" per check;
// exits 1 on the first failure. Usage: node openai_sdk_client.mjs SDK_DIR BASE_URL MODEL
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const [sdkDir, baseURL, model] = process.argv.slice(2);
const { default: OpenAI } = await import(pathToFileURL(join(sdkDir, 'node_modules', 'openai', 'index.mjs')).href);
const client = new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0 });
const labels = ['complaint', 'no complaint'];

function check(name, condition, detail) {
  if (!condition) {
    console.log(`FAILED: ${name}: ${JSON.stringify(detail)}`);
    process.exit(1);
  }
  console.log(`ok: ${name}`);
}

const messages = [{ role: 'user', content: 'Classify: great service' }];
const chat = await client.chat.completions.create({ model, messages, max_tokens: 5, logprobs: true, top_logprobs: 3 });
const content = chat.choices[0].logprobs?.content ?? [];
check('chat logprobs content', content.length === chat.usage.completion_tokens
  && content.every(t => t.logprob <= 0 && t.top_logprobs.length === 3
    && JSON.stringify(t.bytes) === JSON.stringify([...Buffer.from(t.token, 'utf8')])), chat.choices[0]);

let streamedTokens = 0;
let text = '';
const stream = await client.chat.completions.create({ model, messages, max_tokens: 5, logprobs: true, top_logprobs: 3, stream: true });
for await (const chunk of stream) {
  const c = chunk.choices[0];
  text += c?.delta?.content ?? '';
  streamedTokens += c?.logprobs?.content?.length ?? 0;
}
check('chat logprobs streamed', streamedTokens === content.length && text === chat.choices[0].message.content,
  { streamedTokens, text });

const echo = await client.completions.create({ model, prompt: 'Every day is a new binning', max_tokens: 4, logprobs: 2, echo: true });
const lp = echo.choices[0].logprobs;
check('completions logprobs with echo', lp.token_logprobs[0] === null && lp.top_logprobs[0] === null
  && lp.tokens.length === echo.usage.prompt_tokens + echo.usage.completion_tokens
  && lp.text_offset.every((o, i) => i === 0 || o >= lp.text_offset[i - 1]), lp);

for (const seed of [1, 2, 3]) {
  const guided = await client.chat.completions.create({ model, messages, max_tokens: 6, temperature: 1.5, seed,
    guided_choice: labels });
  check(`chat guided_choice seed ${seed}`, labels.includes(guided.choices[0].message.content), guided.choices[0]);
  const completion = await client.completions.create({ model, prompt: 'Every day is a new binning', max_tokens: 6,
    temperature: 1.5, seed, guided_choice: labels });
  check(`completions guided_choice seed ${seed}`, labels.includes(completion.choices[0].text), completion.choices[0]);
}

try {
  await client.chat.completions.create({ model, messages, logprobs: true, top_logprobs: 21 });
  check('top_logprobs 21 refused', false, 'answered');
} catch (e) {
  check('top_logprobs 21 refused', e.status === 400 && e.message.includes('top_logprobs'), e.message);
}
