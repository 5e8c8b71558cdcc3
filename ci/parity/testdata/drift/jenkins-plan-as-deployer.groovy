// Parity-test drift: the plan stage (pull requests) runs as the deployer (issue 16, finding 2).
pipeline {
    agent { label 'docker' }
    environment {
        DAGGER_BIN = "${env.HOME}/.local/bin"
    }
    stages {
        stage('Install Dagger') {
            steps {
                sh label: 'install', script: 'go run ./ci/airgap cli --out "$HOME/.local/bin"'
            }
        }
        stage('Check') {
            when { changeRequest() }
            steps {
                sh(script: "dagger call check")
            }
        }
        stage('Plan') {
            environment {
                AWS_ROLE_ARN = "${env.AWS_DEPLOYER_ROLE_ARN}"
            }
            steps {
                sh('''\
                  dagger call plan \\
                    --aws-access-key-id=env://AWS_ACCESS_KEY_ID \\
                    --aws-secret-access-key=env://AWS_SECRET_ACCESS_KEY \\
                    --aws-session-token=env://AWS_SESSION_TOKEN \\
                    --region="$AWS_REGION" \\
                    --state-bucket="$TF_STATE_BUCKET" \\
                    --lock-table="$TF_LOCK_TABLE" \\
                    --environment="$EVENTMALL_ENVIRONMENT" > plan.md
                ''')
            }
        }
        stage('Deploy') {
            when { branch 'main' }
            steps {
                /* a comment with a brace { and a 'quote */
                sh '''
                    dagger call deploy \
                      --aws-access-key-id=env://AWS_ACCESS_KEY_ID \
                      --aws-secret-access-key=env://AWS_SECRET_ACCESS_KEY \
                      --aws-session-token=env://AWS_SESSION_TOKEN \
                      --region="$AWS_REGION" \
                      --state-bucket="$TF_STATE_BUCKET" \
                      --lock-table="$TF_LOCK_TABLE" \
                      --environment="$EVENTMALL_ENVIRONMENT" \
                      --slack-token=env://SLACK_BOT_TOKEN \
                      --slack-channel="$SLACK_CHANNEL" \
                      summary
                '''
            }
        }
        stage('Scheduled checks') {
            when { triggeredBy 'TimerTrigger' }
            environment {
                AWS_ROLE_ARN = "${env.AWS_PLAN_ROLE_ARN}"
            }
            steps {
                sh '''
                    dagger call drift \
                      --aws-access-key-id=env://AWS_ACCESS_KEY_ID \
                      --aws-secret-access-key=env://AWS_SECRET_ACCESS_KEY \
                      --aws-session-token=env://AWS_SESSION_TOKEN \
                      --region="$AWS_REGION" \
                      --state-bucket="$TF_STATE_BUCKET" \
                      --lock-table="$TF_LOCK_TABLE" \
                      --environment="$EVENTMALL_ENVIRONMENT" \
                      --slack-token=env://SLACK_BOT_TOKEN \
                      --slack-channel="$SLACK_CHANNEL"
                    dagger call preflight \
                      --aws-access-key-id=env://AWS_ACCESS_KEY_ID \
                      --aws-secret-access-key=env://AWS_SECRET_ACCESS_KEY \
                      --aws-session-token=env://AWS_SESSION_TOKEN \
                      --region="$AWS_REGION" \
                      --state-bucket="$TF_STATE_BUCKET" \
                      --lock-table="$TF_LOCK_TABLE" \
                      --drop="$EVENTMALL_DROP" \
                      --environment="$EVENTMALL_ENVIRONMENT" \
                      --slack-token=env://SLACK_BOT_TOKEN \
                      --slack-channel="$SLACK_CHANNEL"
                '''
            }
        }
    }
}
