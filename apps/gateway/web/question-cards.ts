import type { RequestSnapshot, RequestWatch } from '@app/client';
import { h } from './dom';

/**
 * One card per pending question, kept while it is pending (so what the user
 * types survives re-renders) and removed once answered.
 */
export function renderQuestions(container: HTMLElement, state: RequestSnapshot, watch: RequestWatch, onError: (message: string) => void): void {
  const pending = new Set(state.pendingQuestions.map((q) => q.questionId));
  for (const card of [...container.children] as HTMLElement[]) if (!pending.has(card.dataset.questionId!)) card.remove();
  for (const question of state.pendingQuestions) {
    if (container.querySelector(`[data-question-id="${CSS.escape(question.questionId)}"]`)) continue;
    const input = h('input', { class: 'answer-input', placeholder: 'Type an answer…', 'aria-label': 'Answer', maxlength: 10000 });
    const send = async (answer: string) => {
      if (!answer.trim()) return input.focus();
      card.classList.add('sending');
      card.querySelectorAll('button, input').forEach((el) => ((el as HTMLButtonElement).disabled = true));
      try {
        await watch.answer(question.questionId, answer);
      } catch (error) {
        onError(`Could not send the answer: ${(error as Error).message}`);
        card.classList.remove('sending');
        card.querySelectorAll('button, input').forEach((el) => ((el as HTMLButtonElement).disabled = false));
      }
    };
    const card: HTMLElement = h(
      'form',
      { class: 'question', 'data-question-id': question.questionId, onsubmit: (e) => (e.preventDefault(), void send(input.value)) },
      h('div', { class: 'question-head' }, h('span', { class: 'question-icon', 'aria-hidden': 'true' }, '?'), h('span', {}, `${question.agent} asks`)),
      h('p', { class: 'question-prompt' }, question.prompt),
      question.options?.length
        ? h('div', { class: 'question-options' }, ...question.options.map((option) => h('button', { type: 'button', class: 'option', onclick: () => void send(option) }, option)))
        : null,
      h('div', { class: 'question-answer' }, input, h('button', { type: 'submit', class: 'primary' }, 'Answer')),
    );
    container.append(card);
  }
}
